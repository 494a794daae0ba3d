//! The `drand-node` operator CLI.
fn main() -> std::process::ExitCode {
    drand_node::cli::main()
}
