//! Chalk's AuditService on a [`Session`]: the audit trail of the session's environment, newest
//! first, through GetAuditLogs with its filters and cursor paging. A server without the service
//! answers UNIMPLEMENTED, surfaced as [`TeamError::Unsupported`].

use std::time::SystemTime;

use super::session::{Retry, Session};
use super::team_api::TeamError;
use crate::proto::audit_service_client::AuditServiceClient;
use crate::proto::{AuditLog, GetAuditLogsRequest, GetAuditLogsResponse};

const AUDIT: &str = "AuditService";

/// The most records one page asks for (the server may answer fewer).
pub const PAGE_LIMIT: u32 = 1000;

/// A bound on pages, so a server that keeps answering a cursor cannot loop forever.
const MAX_PAGES: usize = 1000;

/// Which records to read.
#[derive(Clone, Debug, Default)]
pub struct AuditFilter {
    /// Only records at or after this time.
    pub since: Option<SystemTime>,
    /// Only records by this client id.
    pub agent: Option<String>,
    /// Only these method paths (all when empty).
    pub endpoints: Vec<String>,
}

impl AuditFilter {
    fn request(&self, limit: u32, cursor: Option<String>) -> GetAuditLogsRequest {
        GetAuditLogsRequest {
            start_time: self.since.map(prost_types::Timestamp::from),
            endpoint_filter: self.endpoints.clone(),
            limit: Some(i32::try_from(limit).unwrap_or(i32::MAX)),
            cursor,
            agent_id_filter: self.agent.clone(),
            ..Default::default()
        }
    }
}

impl Session {
    /// One page of GetAuditLogs as asked.
    pub async fn audit_page(
        &self,
        request: GetAuditLogsRequest,
    ) -> Result<GetAuditLogsResponse, TeamError> {
        self.call_on(Retry::Idempotent, request, |channel, request| async move {
            AuditServiceClient::new(channel)
                .get_audit_logs(request)
                .await
        })
        .await
        .map_err(|error| TeamError::from_client(AUDIT, error))
    }

    /// Up to `limit` records matching `filter` and `keep`, newest first, paging with the
    /// server's cursor until enough are found or the trail ends.
    pub async fn audit_logs(
        &self,
        filter: &AuditFilter,
        limit: usize,
        mut keep: impl FnMut(&AuditLog) -> bool,
    ) -> Result<Vec<AuditLog>, TeamError> {
        let mut found = Vec::new();
        let mut cursor = None;
        for _ in 0..MAX_PAGES {
            if found.len() >= limit {
                break;
            }
            // Pages of at least 100: `keep` may drop most of a page.
            let page_limit = u32::try_from(limit - found.len())
                .unwrap_or(PAGE_LIMIT)
                .clamp(100, PAGE_LIMIT);
            let page = self.audit_page(filter.request(page_limit, cursor)).await?;
            let ended = page.logs.is_empty();
            found.extend(page.logs.into_iter().filter(|log| keep(log)));
            match page.next_cursor.filter(|next| !next.is_empty()) {
                Some(next) if !ended => cursor = Some(next),
                _ => break,
            }
        }
        found.truncate(limit);
        Ok(found)
    }
}
