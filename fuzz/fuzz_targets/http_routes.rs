//! Arbitrary HTTP requests to the node's public API (the axum router, no socket): any method,
//! request target and headers (`drand_lite_fuzz::http::parse_request` reads them from text,
//! `METHOD TARGET` then `name: value` lines), over two real chains with a fixed clock.
//!
//! Beyond "never panics", every answer must come within 5 s with a documented status — 200
//! (valid JSON for GET), 400, 404, 405, 425, or 503 from a health check or a long-poll that ran
//! out — never 500 (the store is healthy), and always with `Access-Control-Allow-Origin: *`
//! (`drand_lite_fuzz::http::check_answer`).
#![no_main]

use drand_lite_fuzz::http::{check_answer, parse_request, send};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some(request) = parse_request(data) else {
        return;
    };
    let method = request.method().clone();
    let path = request.uri().to_string();
    let answer = send(request);
    check_answer(&method, &path, &answer);
});
