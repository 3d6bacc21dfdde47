//! The frame every audited handler shares, so no handler writes it again: the audit event starts
//! from the request before anything can fail (a refused call is recorded too), the caller is
//! authorized inside it, and a failure is recorded once the handler has answered. A success is
//! recorded by the handler itself, with its store write, so the two cannot disagree.

use std::future::Future;
use std::sync::Arc;

use tonic::{Request, Response, Status};

use super::audit::{self, AuditEvent};
use super::auth::{Authenticator, Caller};
use super::store::Store;
use crate::proto::chalk::auth::v1::Permission;

/// What an audited call records about itself.
pub struct Audit<Req> {
    /// The method path, one of [`audit`]'s endpoint constants.
    pub endpoint: &'static str,
    /// Chalk's description of the method, when it has one.
    pub description: Option<&'static str>,
    /// What the caller must be allowed.
    pub permission: Permission,
    /// What of the request the event names (the source, the key names), read before the
    /// handler runs.
    pub names: fn(AuditEvent, &Req) -> AuditEvent,
}

/// Runs `handler` with the authorized caller, the request and its audit event (`None` when the
/// caller cannot be named), and records the event when the handler fails.
pub async fn run<Req, Res, Handler, Answer>(
    auth: &Authenticator,
    store: &Arc<Store>,
    request: Request<Req>,
    audit: Audit<Req>,
    handler: Handler,
) -> Result<Response<Res>, Status>
where
    Handler: FnOnce(Caller, Request<Req>, Option<AuditEvent>) -> Answer,
    Answer: Future<Output = Result<Response<Res>, Status>>,
{
    let event = AuditEvent::start(auth, &request, audit.endpoint, audit.description)
        .map(|event| (audit.names)(event, request.get_ref()));
    let result = async {
        let caller = auth.authorize(&request, audit.permission)?;
        handler(caller, request, event.clone()).await
    }
    .await;
    audit::record_failure(store, event, &result).await;
    result
}
