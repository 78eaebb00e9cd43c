//! The cluster's state as Python's `ray.util.state` lists it, through the dashboard's
//! `/api/v0/<resource>` endpoints: actors, tasks, nodes, objects, placement groups,
//! jobs and workers, with filters, a limit and detail; and the summary of tasks.
//!
//! Each record comes typed (the fields Python's `*State` classes declare for every
//! record, `None` where the dashboard left one out, as it does without `detail`) and
//! with everything the dashboard sent in `raw`.

use std::collections::BTreeMap;
use std::time::Duration;

use reqwest::Method;
use serde_json::Value as Json;

use super::Dashboard;
use crate::error::{Error, Result};

/// What can be listed (Python's `StateResource`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StateResource {
    Actors,
    Tasks,
    Nodes,
    Objects,
    PlacementGroups,
    Jobs,
    Workers,
}

impl StateResource {
    /// The endpoint's name, e.g. `"placement_groups"`.
    pub fn as_str(self) -> &'static str {
        match self {
            StateResource::Actors => "actors",
            StateResource::Tasks => "tasks",
            StateResource::Nodes => "nodes",
            StateResource::Objects => "objects",
            StateResource::PlacementGroups => "placement_groups",
            StateResource::Jobs => "jobs",
            StateResource::Workers => "workers",
        }
    }

    /// Parses a name (`"actors"`, `"placement-groups"` and `"placement_groups"`, ...).
    pub fn parse(name: &str) -> Option<StateResource> {
        Some(match name.replace('-', "_").as_str() {
            "actors" => StateResource::Actors,
            "tasks" => StateResource::Tasks,
            "nodes" => StateResource::Nodes,
            "objects" => StateResource::Objects,
            "placement_groups" => StateResource::PlacementGroups,
            "jobs" => StateResource::Jobs,
            "workers" => StateResource::Workers,
            _ => return None,
        })
    }
}

/// A filter's comparison (Python allows `=` and `!=`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Predicate {
    Equal,
    NotEqual,
}

/// How to list (Python's `ListApiOptions`): at most `limit` records (default 100),
/// those matching every filter, with `detail` the fields Python shows only in detail.
#[derive(Debug, Clone)]
pub struct ListOptions {
    pub limit: u32,
    /// How long the dashboard may take to collect the records (default 30 s).
    pub timeout: Duration,
    pub detail: bool,
    /// (key, predicate, value): e.g. `("state", Equal, "ALIVE")`.
    pub filters: Vec<(String, Predicate, String)>,
    /// Leave out drivers' own tasks and workers (default, as in Python).
    pub exclude_driver: bool,
}

impl Default for ListOptions {
    fn default() -> Self {
        ListOptions {
            limit: 100,
            timeout: Duration::from_secs(30),
            detail: false,
            filters: Vec::new(),
            exclude_driver: true,
        }
    }
}

impl ListOptions {
    pub fn filter(
        mut self,
        key: impl Into<String>,
        predicate: Predicate,
        value: impl Into<String>,
    ) -> Self {
        self.filters.push((key.into(), predicate, value.into()));
        self
    }

    pub fn limit(mut self, limit: u32) -> Self {
        self.limit = limit;
        self
    }

    pub fn detail(mut self, detail: bool) -> Self {
        self.detail = detail;
        self
    }

    /// The query string of the request: Python's parameters, with the server's timeout
    /// shortened as Python does (`server_timeout_multiplier` 0.8) so that it answers with
    /// what it has before the request itself times out.
    fn query(&self) -> Result<Vec<(String, String)>> {
        if self.limit == 0 {
            return Err(Error::invalid("a state list's limit must be at least 1"));
        }
        if self.timeout.is_zero() {
            return Err(Error::invalid(
                "a state list's timeout must be greater than zero",
            ));
        }
        let server_timeout = ((self.timeout.as_secs_f64() * 0.8) as u64).max(1);
        let mut q = vec![
            ("limit".to_owned(), self.limit.to_string()),
            ("timeout".to_owned(), server_timeout.to_string()),
            ("detail".to_owned(), python_bool(self.detail)),
            (
                "exclude_driver".to_owned(),
                python_bool(self.exclude_driver),
            ),
        ];
        for (k, p, v) in &self.filters {
            q.push(("filter_keys".to_owned(), k.clone()));
            let p = match p {
                Predicate::Equal => "=",
                Predicate::NotEqual => "!=",
            };
            q.push(("filter_predicates".to_owned(), p.to_owned()));
            q.push(("filter_values".to_owned(), v.clone()));
        }
        Ok(q)
    }
}

/// How requests spell booleans (Python's `requests` sends `True`/`False`).
fn python_bool(b: bool) -> String {
    match b {
        true => "True".to_owned(),
        false => "False".to_owned(),
    }
}

/// One page of records and what the dashboard said about its completeness.
#[derive(Debug, Clone, PartialEq)]
pub struct StateList {
    pub records: Vec<Json>,
    /// How many records matched before the limit cut the list.
    pub total: u64,
    /// Set when some sources did not answer (the list may be incomplete).
    pub partial_failure_warning: Option<String>,
    pub warnings: Vec<String>,
}

macro_rules! state_record {
    ($(#[$doc:meta])* $name:ident { $($(#[$fdoc:meta])* $field:ident : $ty:ident),* $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq)]
        pub struct $name {
            $($(#[$fdoc])* pub $field: Option<$ty>,)*
            /// Everything the dashboard sent for this record.
            pub raw: Json,
        }

        impl $name {
            /// Reads one record of the dashboard's JSON.
            pub fn from_json(raw: Json) -> $name {
                $name {
                    $($field: field::<$ty>(&raw, stringify!($field).trim_start_matches("r#")),)*
                    raw,
                }
            }
        }
    };
}

/// A field of a record, when the dashboard sent one of the expected type.
fn field<T: FromJson>(raw: &Json, key: &str) -> Option<T> {
    raw.get(key).and_then(T::from_json)
}

trait FromJson: Sized {
    fn from_json(v: &Json) -> Option<Self>;
}

impl FromJson for String {
    fn from_json(v: &Json) -> Option<Self> {
        v.as_str().map(str::to_owned)
    }
}

impl FromJson for i64 {
    fn from_json(v: &Json) -> Option<Self> {
        v.as_i64().or_else(|| v.as_f64().map(|f| f as i64))
    }
}

impl FromJson for f64 {
    fn from_json(v: &Json) -> Option<Self> {
        v.as_f64()
    }
}

impl FromJson for bool {
    fn from_json(v: &Json) -> Option<Self> {
        v.as_bool()
    }
}

/// Resources by name (`{"CPU": 1.0}`).
pub type Resources = BTreeMap<String, f64>;

impl FromJson for Resources {
    fn from_json(v: &Json) -> Option<Self> {
        let m = v.as_object()?;
        Some(
            m.iter()
                .filter_map(|(k, v)| Some((k.clone(), v.as_f64()?)))
                .collect(),
        )
    }
}

state_record!(
    /// An actor (Python's `ActorState`).
    ActorState {
        actor_id: String,
        class_name: String,
        /// DEPENDENCIES_UNREADY, PENDING_CREATION, ALIVE, RESTARTING or DEAD.
        state: String,
        job_id: String,
        name: String,
        node_id: String,
        pid: i64,
        ray_namespace: String,
        is_detached: bool,
        placement_group_id: String,
        repr_name: String,
        required_resources: Resources,
        num_restarts: i64,
    }
);

state_record!(
    /// A task attempt (Python's `TaskState`).
    TaskState {
        task_id: String,
        attempt_number: i64,
        name: String,
        /// PENDING_ARGS_AVAIL, ..., RUNNING, FINISHED, FAILED.
        state: String,
        job_id: String,
        actor_id: String,
        /// NORMAL_TASK, ACTOR_CREATION_TASK, ACTOR_TASK or DRIVER_TASK.
        r#type: String,
        func_or_class_name: String,
        parent_task_id: String,
        node_id: String,
        worker_id: String,
        error_type: String,
        error_message: String,
    }
);

state_record!(
    /// A node (Python's `NodeState`).
    NodeState {
        node_id: String,
        node_ip: String,
        is_head_node: bool,
        /// ALIVE or DEAD.
        state: String,
        state_message: String,
        node_name: String,
        resources_total: Resources,
        start_time_ms: i64,
        end_time_ms: i64,
    }
);

state_record!(
    /// An object in the object store (Python's `ObjectState`).
    ObjectState {
        object_id: String,
        object_size: i64,
        task_status: String,
        reference_type: String,
        call_site: String,
        r#type: String,
        pid: i64,
        ip: String,
    }
);

state_record!(
    /// A placement group (Python's `PlacementGroupState`).
    PlacementGroupState {
        placement_group_id: String,
        name: String,
        creator_job_id: String,
        /// PENDING, PREPARED, CREATED, REMOVED or RESCHEDULING.
        state: String,
        is_detached: bool,
    }
);

state_record!(
    /// A job (Python's `JobState`: the Jobs API's details of every job, drivers too).
    JobState {
        job_id: String,
        submission_id: String,
        status: String,
        entrypoint: String,
        r#type: String,
        message: String,
        error_type: String,
        start_time: i64,
        end_time: i64,
    }
);

state_record!(
    /// A worker process (Python's `WorkerState`).
    WorkerState {
        worker_id: String,
        is_alive: bool,
        worker_type: String,
        exit_type: String,
        node_id: String,
        ip: String,
        pid: i64,
        exit_detail: String,
    }
);

impl Dashboard {
    /// One page of `resource`'s records, as JSON objects.
    pub fn list_state(&self, resource: StateResource, options: &ListOptions) -> Result<StateList> {
        let query = options.query()?;
        let path = format!("/api/v0/{}", resource.as_str());
        let data = self.state_request(&path, &query, options.timeout)?;
        let records = match data.get("result") {
            Some(Json::Array(records)) => records.clone(),
            _ => {
                return Err(Error::protocol(format!(
                    "{path} answered without records: {data}"
                )))
            }
        };
        let strings = |k: &str| -> Vec<String> {
            data.get(k)
                .and_then(Json::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(|w| w.as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default()
        };
        Ok(StateList {
            total: data
                .get("total")
                .and_then(Json::as_u64)
                .unwrap_or(records.len() as u64),
            partial_failure_warning: data
                .get("partial_failure_warning")
                .and_then(Json::as_str)
                .filter(|w| !w.is_empty())
                .map(str::to_owned),
            warnings: strings("warnings"),
            records,
        })
    }

    /// The cluster's actors (Python's `list_actors`).
    pub fn list_actors(&self, options: &ListOptions) -> Result<Vec<ActorState>> {
        self.typed(StateResource::Actors, options, ActorState::from_json)
    }

    /// Task attempts (Python's `list_tasks`).
    pub fn list_tasks(&self, options: &ListOptions) -> Result<Vec<TaskState>> {
        self.typed(StateResource::Tasks, options, TaskState::from_json)
    }

    /// Nodes (Python's `list_nodes`).
    pub fn list_nodes(&self, options: &ListOptions) -> Result<Vec<NodeState>> {
        self.typed(StateResource::Nodes, options, NodeState::from_json)
    }

    /// Objects (Python's `list_objects`).
    pub fn list_objects(&self, options: &ListOptions) -> Result<Vec<ObjectState>> {
        self.typed(StateResource::Objects, options, ObjectState::from_json)
    }

    /// Placement groups (Python's `list_placement_groups`).
    pub fn list_placement_groups(&self, options: &ListOptions) -> Result<Vec<PlacementGroupState>> {
        self.typed(
            StateResource::PlacementGroups,
            options,
            PlacementGroupState::from_json,
        )
    }

    /// Jobs (Python's `list_jobs` of `ray.util.state`).
    pub fn list_state_jobs(&self, options: &ListOptions) -> Result<Vec<JobState>> {
        self.typed(StateResource::Jobs, options, JobState::from_json)
    }

    /// Worker processes (Python's `list_workers`).
    pub fn list_workers(&self, options: &ListOptions) -> Result<Vec<WorkerState>> {
        self.typed(StateResource::Workers, options, WorkerState::from_json)
    }

    /// The summary of tasks by function name (Python's `summarize_tasks`): for each
    /// node id (`"cluster"` for all), the dashboard's summary object.
    pub fn summarize_tasks(&self, timeout: Duration) -> Result<Json> {
        if timeout.is_zero() {
            return Err(Error::invalid(
                "a summary's timeout must be greater than zero",
            ));
        }
        let server_timeout = ((timeout.as_secs_f64() * 0.8) as u64).max(1);
        let query = vec![("timeout".to_owned(), server_timeout.to_string())];
        let path = "/api/v0/tasks/summarize";
        let data = self.state_request(path, &query, timeout)?;
        data.get("result")
            .and_then(|r| r.get("node_id_to_summary"))
            .cloned()
            .ok_or_else(|| Error::protocol(format!("{path} answered without a summary: {data}")))
    }

    fn typed<T>(
        &self,
        resource: StateResource,
        options: &ListOptions,
        read: fn(Json) -> T,
    ) -> Result<Vec<T>> {
        Ok(self
            .list_state(resource, options)?
            .records
            .into_iter()
            .map(read)
            .collect())
    }

    /// GET a state endpoint; its `data.result` (Python's `_make_http_get_request`).
    fn state_request(
        &self,
        path: &str,
        query: &[(String, String)],
        timeout: Duration,
    ) -> Result<Json> {
        let reply = self
            .inner
            .call(Method::GET, path, query, None, Some(timeout))?;
        let json = super::parse_json(&self.inner.url, path, &reply)?;
        if json.get("result") == Some(&Json::Bool(false)) {
            let msg = json.get("msg").and_then(Json::as_str).unwrap_or("");
            return Err(Error::new(
                crate::ErrorKind::ServerError,
                format!("API server internal error. See dashboard.log file for more details. Error: {msg}"),
            ));
        }
        json.get("data")
            .and_then(|d| d.get("result"))
            .cloned()
            .ok_or_else(|| Error::protocol(format!("{path} answered without data: {json}")))
    }
}
