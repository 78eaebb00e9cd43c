//! The process's default client, like Python's module-level `ray.init` / `ray.shutdown`:
//! one default connection, plus any number of explicit extra clients (Python's
//! `allow_multiple=True`), each with its own refs.

use std::sync::Mutex;

use crate::client::{Client, ConnectOptions};
use crate::error::{Error, Result};

static DEFAULT: Mutex<Option<Client>> = Mutex::new(None);

/// Connects the default client. Fails when a default client is connected already
/// (disconnect it with [`shutdown`] first, or use [`Client::connect_with`] for another
/// cluster connection).
pub fn init(options: ConnectOptions) -> Result<Client> {
    let mut slot = DEFAULT.lock().unwrap();
    if let Some(c) = slot.as_ref().filter(|c| c.is_connected()) {
        return Err(Error::invalid(format!(
            "a default client is already connected to {}; call shutdown() first, or \
             connect an extra client with Client::connect_with",
            c.address()
        )));
    }
    let client = Client::connect_with(options)?;
    *slot = Some(client.clone());
    Ok(client)
}

/// The default client, when one is connected.
pub fn default_client() -> Result<Client> {
    DEFAULT
        .lock()
        .unwrap()
        .as_ref()
        .filter(|c| c.is_connected())
        .cloned()
        .ok_or_else(|| Error::invalid("no default client: call ray_client::init first"))
}

/// Whether a default client is connected (`ray.is_initialized()` on the client side).
pub fn is_initialized() -> bool {
    default_client().is_ok()
}

/// Disconnects the default client, if any.
pub fn shutdown() {
    let client = DEFAULT.lock().unwrap().take();
    if let Some(c) = client {
        c.disconnect();
    }
}
