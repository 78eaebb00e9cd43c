//! Unit tests of `src/datapath.rs` (a file of their own to keep that file readable).

use super::*;

#[test]
fn acknowledgements_pass_asynchronous_gets_but_not_kept_replies() {
    let pending = |ids: &[(i32, bool)]| -> BTreeMap<i32, Pending> {
        ids.iter()
            .map(|&(id, async_get)| {
                let body = if async_get {
                    data_request::Type::Get(proto::GetRequest {
                        asynchronous: true,
                        ..Default::default()
                    })
                } else {
                    data_request::Type::ConnectionInfo(proto::ConnectionInfoRequest {})
                };
                let p = Pending {
                    body,
                    payload: None,
                    reply: None,
                    progress: None,
                };
                (id, p)
            })
            .collect()
    };
    assert_eq!(ack_watermark(&pending(&[]), 9), Some(9));
    assert_eq!(ack_watermark(&pending(&[(5, false)]), 9), Some(4));
    // A get waiting for its object does not hold acknowledgements back...
    assert_eq!(ack_watermark(&pending(&[(3, true), (7, true)]), 9), Some(9));
    // ...but a reply the server keeps for a replay does.
    assert_eq!(
        ack_watermark(&pending(&[(3, true), (6, false)]), 9),
        Some(5)
    );
    assert_eq!(ack_watermark(&pending(&[(1, false), (3, true)]), 9), None);
}

#[test]
fn releases_are_held_until_due_or_a_batch_is_full() {
    let id = |n: u8| Bytes::from(vec![n; 28]);
    let mut held = HeldReleases::default();
    assert_eq!(held.due(), None);
    assert_eq!(held.take(), None);
    let t0 = Instant::now();
    assert_eq!(held.hold(id(1), t0), None);
    assert_eq!(held.hold(id(2), t0 + RELEASE_DELAY / 4), None);
    assert_eq!(held.hold(id(3), t0 + RELEASE_DELAY / 2), None);
    // Due when the oldest has waited RELEASE_DELAY.
    assert_eq!(held.due(), Some(t0 + RELEASE_DELAY));
    let batch = held.take().unwrap();
    assert_eq!(batch.ids, vec![id(1), id(2), id(3)]);
    assert_eq!((held.due(), held.take()), (None, None));
    // A full batch goes at once.
    let t1 = Instant::now();
    for _ in 0..MAX_IDS_PER_RELEASE - 1 {
        assert_eq!(held.hold(id(4), t1), None);
    }
    let full = held.hold(id(5), t1).unwrap();
    assert_eq!(full.ids.len(), MAX_IDS_PER_RELEASE);
    assert_eq!(held.due(), None);
}

#[test]
fn held_releases_go_before_requests_that_may_bring_ids_back() {
    use data_request::Type;
    use proto::client_task::RemoteExecType;
    let task = |kind: RemoteExecType| {
        Type::Task(proto::ClientTask {
            r#type: kind as i32,
            ..Default::default()
        })
    };
    // New ids only: these may overtake a held release.
    for body in [
        Type::Put(Default::default()),
        Type::Release(Default::default()),
        Type::Acknowledge(Default::default()),
        Type::ConnectionInfo(Default::default()),
        task(RemoteExecType::Function),
        task(RemoteExecType::Actor),
        task(RemoteExecType::Method),
    ] {
        assert!(!may_bring_back_refs(&body), "{body:?}");
    }
    // A get's value and a named actor's handle may hand out an id released here.
    for body in [
        Type::Get(Default::default()),
        task(RemoteExecType::NamedActor),
        Type::Terminate(Default::default()),
    ] {
        assert!(may_bring_back_refs(&body), "{body:?}");
    }
}

#[test]
fn only_a_get_chunk_before_the_last_keeps_its_request_waiting() {
    let chunk = |valid, chunk_id, total_chunks| DataResponse {
        req_id: 4,
        r#type: Some(proto::data_response::Type::Get(proto::GetResponse {
            valid,
            chunk_id,
            total_chunks,
            ..Default::default()
        })),
    };
    assert_eq!(more_chunks_follow(&chunk(true, 0, 3)), Some(1));
    assert_eq!(more_chunks_follow(&chunk(true, 1, 3)), Some(2));
    assert_eq!(more_chunks_follow(&chunk(true, 2, 3)), None);
    assert_eq!(more_chunks_follow(&chunk(true, 0, 1)), None);
    assert_eq!(more_chunks_follow(&chunk(false, 0, 3)), None);
    assert_eq!(more_chunks_follow(&chunk(true, i32::MAX, i32::MAX)), None);
    let put = DataResponse {
        req_id: 4,
        r#type: Some(proto::data_response::Type::Put(Default::default())),
    };
    assert_eq!(more_chunks_follow(&put), None);
}

#[test]
fn chunks_are_slices_of_large_segments_and_join_to_the_data() {
    let big = Bytes::from(vec![3u8; 2 * CHUNK_SIZE + 123]);
    let cases: Vec<Vec<Bytes>> = vec![
        vec![],
        vec![Bytes::new()],
        vec![Bytes::from_static(b"small")],
        vec![big.clone()],
        vec![
            Bytes::from_static(b"\x80\x05head"),
            big.clone(),
            Bytes::from_static(b"."),
        ],
        vec![
            Bytes::from(vec![1u8; CHUNK_SIZE - 1]),
            Bytes::from_static(b"xy"),
        ],
        (0..100).map(|i| Bytes::from(vec![i as u8; 1000])).collect(),
        // Many medium buffers (each spliced by the encoder) still fill whole chunks.
        (0..200)
            .flat_map(|i| {
                [
                    Bytes::from_static(b"op"),
                    Bytes::from(vec![i as u8; 100 << 10]),
                ]
            })
            .collect(),
    ];
    for (n, segments) in cases.iter().enumerate() {
        let chunks = chunk_segments(segments);
        assert!(!chunks.is_empty(), "case {n}");
        assert!(chunks.iter().all(|c| c.len() <= CHUNK_SIZE), "case {n}");
        assert_eq!(chunks.concat(), segments.concat(), "case {n}");
        let total: usize = segments.iter().map(Bytes::len).sum();
        assert!(
            chunks.len() <= 2 * total.div_ceil(CHUNK_SIZE) + 1,
            "case {n}: {} chunks",
            chunks.len()
        );
        // Each chunk of a large segment points into it: nothing was copied.
        let inside_big = |c: &Bytes| {
            let (b, e) = (big.as_ptr() as usize, big.as_ptr() as usize + big.len());
            (b..e).contains(&(c.as_ptr() as usize))
        };
        if segments.iter().any(|s| s.len() == big.len()) {
            assert_eq!(
                chunks.iter().filter(|c| inside_big(c)).count(),
                3,
                "case {n}"
            );
        }
    }
}
