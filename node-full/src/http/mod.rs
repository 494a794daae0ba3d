//! The public HTTP API: drand's v1 routes and the relay's v2 routes over the chains this node
//! serves, so light clients (ours, npm `drand-client`) can fetch beacons straight from a node.
//!
//! | Route | Answer |
//! |---|---|
//! | `/chains`, `/v2/chains` | `["<chain hash>", …]` |
//! | `/v2/beacons` | `["<beacon ID>", …]` |
//! | `/info`, `/{chainhash}/info` | v1 info JSON, immutable |
//! | `/v2/chains/{chainhash}/info`, `/v2/beacons/{id}/info` | v2 info JSON, immutable |
//! | `…/health` | `{"current","expected"}`: 200 if at most one round behind the clock, else 503 |
//! | `/public/latest`, `…/rounds/latest` | the last stored beacon, cached until the next round |
//! | `/public/{round}`, `…/rounds/{round}` | past: 200 immutable; missing: 404; next: long-poll; later: 425; 0: latest |
//! | `…/rounds/next` (v2) | long-polls for the round after the last stored one |
//!
//! Un-prefixed v1 routes serve beacon ID `"default"`, or the only chain if there is one.
//! v1 beacons are `{"round","randomness","signature","previous_signature"?}`; v2 beacons have
//! no `randomness`. Every answer carries `Access-Control-Allow-Origin: *`; errors are plain
//! text and never cached.
//!
//! Store reads run on the async workers: [`crate::store::BeaconStore`] implementations must
//! answer `last`/`get` quickly (the embedded store does). Long-polls hold one watch receiver,
//! one timer and one of [`DEFAULT_MAX_LONG_POLLS`] permits each, all released when the wait ends
//! (the round arrives, the wait runs out after its due time plus the grace, or the client
//! disconnects).

mod handlers;
pub mod response;
mod state;
pub mod timing;

use axum::Router;
use axum::extract::rejection::RawPathParamsRejection;
use axum::extract::{RawPathParams, State};
use axum::handler::HandlerWithoutStateExt;
use axum::http::Method;
use axum::routing::{MethodRouter, get};
use tower_http::cors::{Any, CorsLayer};
use tower_http::services::ServeDir;

use handlers::{Action, Scope};
use response::Version;
pub use state::{
    ApiError, ApiState, ChainHandle, Clock, DEFAULT_BEACON_ID, DEFAULT_LONG_POLL_GRACE,
    DEFAULT_MAX_LONG_POLLS, system_clock,
};

/// Serves the API on `listener` until `shutdown` completes, then lets requests in flight
/// finish (a long-poll ends within a period plus the grace).
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: ApiState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown)
        .await
}

/// One per-chain route.
fn endpoint(scope: Scope, action: Action, version: Version) -> MethodRouter<ApiState> {
    get(
        move |State(state): State<ApiState>,
              params: Result<RawPathParams, RawPathParamsRejection>| {
            handlers::dispatch(state, params, scope, action, version)
        },
    )
}

/// The API as an axum router (serve it with `axum::serve`). Paths that are no API route are
/// served from the state's static directory if it has one, else answered 404.
pub fn router(state: ApiState) -> Router {
    use Action::*;
    use Scope::*;
    use Version::*;
    let static_dir = state.static_dir.clone();
    let api = Router::new()
        .route("/chains", get(handlers::chains))
        .route("/info", endpoint(Default, Info, V1))
        .route("/health", endpoint(Default, Health, V1))
        .route("/public/latest", endpoint(Default, Latest, V1))
        .route("/public/{round}", endpoint(Default, Round, V1))
        .route("/{chainhash}/info", endpoint(Hash, Info, V1))
        .route("/{chainhash}/health", endpoint(Hash, Health, V1))
        .route("/{chainhash}/public/latest", endpoint(Hash, Latest, V1))
        .route("/{chainhash}/public/{round}", endpoint(Hash, Round, V1))
        .route("/v2/chains", get(handlers::chains))
        .route("/v2/chains/{chainhash}/info", endpoint(Hash, Info, V2))
        .route("/v2/chains/{chainhash}/health", endpoint(Hash, Health, V2))
        .route(
            "/v2/chains/{chainhash}/rounds/latest",
            endpoint(Hash, Latest, V2),
        )
        .route(
            "/v2/chains/{chainhash}/rounds/next",
            endpoint(Hash, Next, V2),
        )
        .route(
            "/v2/chains/{chainhash}/rounds/{round}",
            endpoint(Hash, Round, V2),
        )
        .route("/v2/beacons", get(handlers::beacons))
        .route("/v2/beacons/{id}/info", endpoint(BeaconId, Info, V2))
        .route("/v2/beacons/{id}/health", endpoint(BeaconId, Health, V2))
        .route(
            "/v2/beacons/{id}/rounds/latest",
            endpoint(BeaconId, Latest, V2),
        )
        .route("/v2/beacons/{id}/rounds/next", endpoint(BeaconId, Next, V2))
        .route(
            "/v2/beacons/{id}/rounds/{round}",
            endpoint(BeaconId, Round, V2),
        )
        .with_state(state);
    let api = match static_dir {
        Some(dir) => api.fallback_service(
            ServeDir::new(dir).not_found_service(handlers::not_found.into_service()),
        ),
        None => api.fallback(handlers::not_found),
    };
    api.layer(
        CorsLayer::new()
            .allow_origin(Any)
            .allow_methods([Method::GET, Method::HEAD, Method::OPTIONS])
            .allow_headers(Any),
    )
}
