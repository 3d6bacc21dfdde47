//! The standard gRPC health service (`grpc.health.v1.Health`) on every replica, for load
//! balancers and orchestrators: SERVING while the store answers, NOT_SERVING when it does not (a
//! replica that lost its database takes itself out of rotation) and from the moment shutdown
//! begins (so the balancer stops sending new calls while in-flight ones drain).

use std::sync::Arc;
use std::time::Duration;

use tonic_health::ServingStatus;
use tonic_health::server::HealthReporter;

use super::store::Store;

/// How often the store is pinged.
pub const PING_PERIOD: Duration = Duration::from_secs(2);

/// The services whose status is reported: each data service, then the whole server ("").
///
/// The whole server comes last, so a client that saw it SERVING finds every named service
/// registered with the same status (it polls "" and then asks for a service by name).
const SERVICES: &[&str] = &[
    "chalk.server.v1.IntegrationsService",
    "chalk.server.v1.AuthService",
    "chalk.server.v1.TeamService",
    "chalk.server.v1.AuditService",
    "chalk.server.v1.EnvironmentSecretsService",
    "",
];

async fn set_all(reporter: &HealthReporter, status: ServingStatus) {
    for service in SERVICES {
        reporter.set_service_status(*service, status).await;
    }
}

/// Pings the store every `period` and reports the outcome, until dropped.
pub async fn watch_store(reporter: HealthReporter, store: Arc<Store>, period: Duration) {
    let mut last = None;
    loop {
        let store = store.clone();
        let answered = tokio::task::spawn_blocking(move || store.ping()).await;
        let status = match answered {
            Ok(Ok(())) => ServingStatus::Serving,
            Ok(Err(error)) => {
                if last != Some(ServingStatus::NotServing) {
                    tracing::error!("the store does not answer; reporting NOT_SERVING: {error:#}");
                }
                ServingStatus::NotServing
            }
            Err(_) => ServingStatus::NotServing,
        };
        if last != Some(status) {
            set_all(&reporter, status).await;
            last = Some(status);
        }
        tokio::time::sleep(period).await;
    }
}

/// Reports NOT_SERVING for everything (shutdown has begun).
pub async fn draining(reporter: &HealthReporter) {
    set_all(reporter, ServingStatus::NotServing).await;
}
