//! A Chalk API server of the kind that predates teams: it answers `AuthService` and
//! `IntegrationsService` (by forwarding each call, metadata and all, to a real `serve`) and
//! nothing else, so TeamService, AuditService and EnvironmentSecretsService are UNIMPLEMENTED.
//! The console must work against it exactly as it did before those services existed.

use std::net::SocketAddr;

use sourcedeck::proto::auth_service_client::AuthServiceClient;
use sourcedeck::proto::auth_service_server::{AuthService, AuthServiceServer};
use sourcedeck::proto::integrations_service_client::IntegrationsServiceClient;
use sourcedeck::proto::integrations_service_server::{
    IntegrationsService, IntegrationsServiceServer,
};
use sourcedeck::proto::*;
use tonic::transport::Channel;
use tonic::{Request, Response, Status};

/// Forwards to the real server behind it.
#[derive(Clone)]
struct Forward(Channel);

/// The same message with the same metadata (authorization, environment, server headers).
fn forwarded<T>(request: Request<T>) -> Request<T> {
    let (metadata, _, message) = request.into_parts();
    let mut out = Request::new(message);
    *out.metadata_mut() = metadata;
    out
}

#[tonic::async_trait]
impl AuthService for Forward {
    async fn get_token(
        &self,
        request: Request<GetTokenRequest>,
    ) -> Result<Response<GetTokenResponse>, Status> {
        AuthServiceClient::new(self.0.clone())
            .get_token(forwarded(request))
            .await
    }
}

macro_rules! forward {
    ($($method:ident($request:ty) -> $response:ty;)*) => {
        #[tonic::async_trait]
        impl IntegrationsService for Forward {
            $(
                async fn $method(
                    &self,
                    request: Request<$request>,
                ) -> Result<Response<$response>, Status> {
                    IntegrationsServiceClient::new(self.0.clone())
                        .$method(forwarded(request))
                        .await
                }
            )*
        }
    };
}

forward! {
    list_integrations(ListIntegrationsRequest) -> ListIntegrationsResponse;
    get_integration(GetIntegrationRequest) -> GetIntegrationResponse;
    get_integration_by_name(GetIntegrationByNameRequest) -> GetIntegrationByNameResponse;
    get_integration_value(GetIntegrationValueRequest) -> GetIntegrationValueResponse;
    insert_integration(InsertIntegrationRequest) -> InsertIntegrationResponse;
    update_integration(UpdateIntegrationRequest) -> UpdateIntegrationResponse;
    delete_integration(DeleteIntegrationRequest) -> DeleteIntegrationResponse;
    test_integration(TestIntegrationRequest) -> TestIntegrationResponse;
}

/// Starts the front on a loopback port for the real server at `channel`; answers its address.
pub async fn integrations_only(channel: Channel) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a loopback port");
    let address = listener.local_addr().expect("its address");
    let forward = Forward(channel);
    tokio::spawn(
        tonic::transport::Server::builder()
            .add_service(AuthServiceServer::new(forward.clone()))
            .add_service(IntegrationsServiceServer::new(forward))
            .serve_with_incoming(tokio_stream::wrappers::TcpListenerStream::new(listener)),
    );
    address
}
