//! The background worker: a tokio task that owns the gRPC session and runs the console's requests
//! concurrently, each under its own deadline, answering on the console's channel. It keeps the
//! connection alive by itself: when the server goes away it reports `Disconnected` with the time
//! of the next attempt, queues what arrives meanwhile, reconnects with backoff and then runs the
//! queue, so nothing the user asked for is lost. Tests of many sources run at most a few at once.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{Semaphore, mpsc};
use tokio::task::AbortHandle;
use tokio::time::Instant;
use tonic::Code;

use crate::client::api::TEST_CONCURRENCY;
use crate::client::credentials::Credentials;
use crate::client::{ClientError, Session};

use super::msg::{ConnectionState, Msg, Outcome, Reply, Request, RequestId};

mod requests;
use requests::{error_of, execute, forgive_retried_delete, timed_out};

/// What the console sends the worker.
#[derive(Debug)]
pub enum WorkerCommand {
    Send { id: RequestId, request: Request },
    Cancel(Vec<RequestId>),
}

/// The console's end of the worker.
#[derive(Clone)]
pub struct WorkerHandle {
    tx: mpsc::UnboundedSender<WorkerCommand>,
}

impl WorkerHandle {
    pub fn send(&self, command: WorkerCommand) {
        // The worker lives as long as the console; a send after it stopped has no one to serve.
        let _ = self.tx.send(command);
    }
}

/// How to (re)connect.
#[derive(Clone)]
pub struct Connector {
    pub credentials: Credentials,
    pub call_timeout: Duration,
}

impl Connector {
    async fn connect(&self, environment: Option<&str>) -> Result<Session, ClientError> {
        let mut credentials = self.credentials.clone();
        if let Some(environment) = environment {
            credentials.environment = Some(environment.to_string());
        }
        Session::connect(&credentials, self.call_timeout).await
    }
}

/// Backoff between reconnection attempts: 1 s, 2 s, 4 s, ... up to 15 s.
pub fn backoff(attempt: u32) -> Duration {
    Duration::from_secs(1u64 << attempt.min(4)).min(Duration::from_secs(15))
}

/// Whether an error means the server could not be reached (rather than an answer from it). The
/// session already reports a dropped connection as UNAVAILABLE.
fn is_connection_lost(error: &ClientError) -> bool {
    error.code == Code::Unavailable
}

/// Starts the worker; answers and connection changes arrive on `events`.
pub fn spawn(connector: Connector, events: mpsc::UnboundedSender<Msg>) -> WorkerHandle {
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(Worker::new(connector, events).run(rx));
    WorkerHandle { tx }
}

enum Internal {
    Connected(Result<Session, ClientError>),
    Switched {
        id: RequestId,
        name: String,
        result: Result<Session, ClientError>,
    },
    Done {
        id: RequestId,
        request: Request,
        outcome: Outcome,
        lost: bool,
    },
}

struct Worker {
    connector: Connector,
    events: mpsc::UnboundedSender<Msg>,
    session: Option<Arc<Session>>,
    environment: Option<String>,
    connecting: bool,
    attempt: u32,
    retry_at: Option<Instant>,
    queue: VecDeque<(RequestId, Request, bool)>,
    running: HashMap<RequestId, AbortHandle>,
    tests: Arc<Semaphore>,
    internal_tx: mpsc::UnboundedSender<Internal>,
    internal_rx: mpsc::UnboundedReceiver<Internal>,
}

impl Worker {
    fn new(connector: Connector, events: mpsc::UnboundedSender<Msg>) -> Self {
        let (internal_tx, internal_rx) = mpsc::unbounded_channel();
        let environment = connector.credentials.environment.clone();
        Self {
            connector,
            events,
            session: None,
            environment,
            connecting: false,
            attempt: 0,
            retry_at: Some(Instant::now()),
            queue: VecDeque::new(),
            running: HashMap::new(),
            tests: Arc::new(Semaphore::new(usize::from(TEST_CONCURRENCY))),
            internal_tx,
            internal_rx,
        }
    }

    async fn run(mut self, mut commands: mpsc::UnboundedReceiver<WorkerCommand>) {
        loop {
            let retry_at = self.retry_at.filter(|_| !self.connecting);
            tokio::select! {
                command = commands.recv() => match command {
                    Some(command) => self.on_command(command),
                    None => break,
                },
                Some(internal) = self.internal_rx.recv() => self.on_internal(internal),
                () = sleep_until(retry_at), if retry_at.is_some() => self.start_connect(),
            }
        }
        for (_, handle) in self.running.drain() {
            handle.abort();
        }
    }

    fn emit(&self, msg: Msg) {
        let _ = self.events.send(msg);
    }

    fn start_connect(&mut self) {
        self.retry_at = None;
        self.connecting = true;
        if self.attempt == 0 {
            self.emit(Msg::Connection(ConnectionState::Connecting));
        }
        let connector = self.connector.clone();
        let environment = self.environment.clone();
        let tx = self.internal_tx.clone();
        tokio::spawn(async move {
            let result = connector.connect(environment.as_deref()).await;
            let _ = tx.send(Internal::Connected(result));
        });
    }

    fn on_command(&mut self, command: WorkerCommand) {
        match command {
            WorkerCommand::Send { id, request } => {
                if let Request::SwitchEnvironment { name } = &request {
                    self.switch_environment(id, name.clone());
                } else if self.session.is_some() {
                    self.start(id, request, false);
                } else {
                    self.queue.push_back((id, request, false));
                }
            }
            WorkerCommand::Cancel(ids) => {
                for id in ids {
                    if let Some(handle) = self.running.remove(&id) {
                        handle.abort();
                    }
                    self.queue.retain(|(queued, _, _)| *queued != id);
                }
            }
        }
    }

    fn on_internal(&mut self, internal: Internal) {
        match internal {
            Internal::Connected(Ok(session)) => {
                self.connecting = false;
                self.attempt = 0;
                self.use_session(session);
            }
            Internal::Switched { id, name, result } => {
                let outcome = match result {
                    Ok(session) => {
                        self.environment = Some(name);
                        let environment = self.use_session(session);
                        Ok(environment)
                    }
                    Err(error) => Err(error),
                };
                self.emit(Msg::Reply(Reply {
                    id,
                    outcome: Outcome::EnvironmentSwitched(outcome),
                }));
            }
            Internal::Connected(Err(error)) => {
                tracing::info!(reason = %error.message, attempt = self.attempt, "console could not connect");
                self.connecting = false;
                let wait = backoff(self.attempt);
                self.attempt = self.attempt.saturating_add(1);
                let retry_at = Instant::now() + wait;
                self.retry_at = Some(retry_at);
                self.emit(Msg::Connection(ConnectionState::Disconnected {
                    reason: error.message,
                    retry_at: retry_at.into_std(),
                }));
            }
            Internal::Done {
                id,
                request,
                outcome,
                lost,
            } => {
                if self.running.remove(&id).is_none() {
                    return; // cancelled meanwhile
                }
                if lost && request.replayable() {
                    // Keep the request for after the reconnect instead of failing it.
                    self.queue.push_back((id, request, true));
                    self.connection_lost();
                } else if lost {
                    // A create may have been applied before the connection dropped: sending it
                    // again could make a second source, so the form gets the error and keeps
                    // every value for the user to check and retry.
                    self.emit(Msg::Reply(Reply {
                        id,
                        outcome: Outcome::Saved(Err(ClientError::new(
                            Code::Unavailable,
                            "the connection dropped while saving; refresh the list to see whether it was created before saving again",
                        ))),
                    }));
                    self.connection_lost();
                } else {
                    self.emit(Msg::Reply(Reply { id, outcome }));
                }
            }
        }
    }

    /// Makes `session` current, says so, and runs what waited for a connection.
    fn use_session(&mut self, session: Session) -> String {
        let environment = session
            .environment_name()
            .unwrap_or(session.environment_id())
            .to_string();
        let environment_id = session.environment_id().to_string();
        self.session = Some(Arc::new(session));
        self.emit(Msg::Connection(ConnectionState::Connected {
            environment: environment.clone(),
            environment_id,
        }));
        while let Some((id, request, retried)) = self.queue.pop_front() {
            self.start(id, request, retried);
        }
        environment
    }

    fn connection_lost(&mut self) {
        if self.session.take().is_some() || (!self.connecting && self.retry_at.is_none()) {
            self.attempt = 0;
            let retry_at = Instant::now();
            self.retry_at = Some(retry_at);
            self.emit(Msg::Connection(ConnectionState::Disconnected {
                reason: "the server stopped answering".into(),
                retry_at: retry_at.into_std(),
            }));
        }
    }

    /// Connects to environment `name` beside the current session; the new session replaces it
    /// only when it works, so a typo in `:env` leaves the console where it was.
    fn switch_environment(&mut self, id: RequestId, name: String) {
        let connector = self.connector.clone();
        let tx = self.internal_tx.clone();
        tokio::spawn(async move {
            let result = connector.connect(Some(&name)).await;
            let _ = tx.send(Internal::Switched { id, name, result });
        });
    }

    fn start(&mut self, id: RequestId, request: Request, retried: bool) {
        let Some(session) = self.session.clone() else {
            self.queue.push_back((id, request, retried));
            return;
        };
        let tx = self.internal_tx.clone();
        let tests = Arc::clone(&self.tests);
        let deadline = request.deadline();
        let task_request = request.clone();
        let handle = tokio::spawn(async move {
            let started = std::time::Instant::now();
            let _permit = match task_request {
                Request::Test { .. } | Request::TestDraft { .. } => {
                    tests.acquire_owned().await.ok()
                }
                _ => None,
            };
            let outcome =
                match tokio::time::timeout(deadline, execute(&session, &task_request)).await {
                    Ok(outcome) => outcome,
                    Err(_) => timed_out(&task_request, deadline),
                };
            let lost = error_of(&outcome).is_some_and(is_connection_lost);
            // What ran and how it went; never a value (requests carry ids and key names only).
            tracing::debug!(
                request = ?task_request,
                elapsed_ms = started.elapsed().as_millis() as u64,
                error = error_of(&outcome).map(|e| e.message.as_str()),
                "console request finished"
            );
            let outcome = forgive_retried_delete(outcome, retried);
            let _ = tx.send(Internal::Done {
                id,
                request: task_request,
                outcome,
                lost,
            });
        });
        self.running.insert(id, handle.abort_handle());
    }
}

async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        assert_eq!(backoff(0), Duration::from_secs(1));
        assert_eq!(backoff(1), Duration::from_secs(2));
        assert_eq!(backoff(3), Duration::from_secs(8));
        assert_eq!(backoff(10), Duration::from_secs(15));
    }

    #[test]
    fn unavailable_means_the_connection_is_lost() {
        assert!(is_connection_lost(&ClientError::new(
            Code::Unavailable,
            "x"
        )));
        assert!(!is_connection_lost(&ClientError::new(Code::NotFound, "x")));
    }
}
