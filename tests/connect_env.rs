//! `RAY_ADDRESS` is used when no address is given. In its own test binary because it
//! changes the process environment.
mod common;

use ray_client::{Client, ErrorKind};

#[test]
fn ray_address_is_used_when_no_address_is_given() {
    let address = common::cluster().address.clone();
    std::env::remove_var("RAY_ADDRESS");
    let err = Client::connect("").err().expect("no address anywhere");
    assert_eq!(err.kind(), ErrorKind::InvalidArgument);
    assert!(err.message().contains("RAY_ADDRESS"), "{err}");
    std::env::set_var("RAY_ADDRESS", &address);
    let client = Client::connect("").unwrap();
    assert_eq!(client.address().to_string(), address);
    std::env::remove_var("RAY_ADDRESS");
}
