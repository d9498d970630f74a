//! Every response decoder over arbitrary bytes: must never panic. Whatever decodes into a public
//! model must also survive `serialize -> deserialize` unchanged.
#![no_main]

use libfuzzer_sys::fuzz_target;
use qiscus::{
    Comment, Export, Import, Participant, Room, RoomInfo, RoomSummary, RoomWithComments,
    UpdatedRoom, User, UserRooms,
};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

/// If `v` decodes as `T`, re-encoding and decoding again must give the same value.
fn round_trip<T>(v: &Value)
where
    T: DeserializeOwned + Serialize + PartialEq + std::fmt::Debug,
{
    let Ok(t) = serde_json::from_value::<T>(v.clone()) else {
        return;
    };
    let wire = serde_json::to_value(&t).expect("a decoded model serializes");
    let back: T = serde_json::from_value(wire.clone())
        .unwrap_or_else(|e| panic!("re-decoding {wire} failed: {e}\noriginal: {t:?}"));
    assert_eq!(t, back, "round trip changed the value; wire form: {wire}");
}

fn check_all(v: &Value) {
    round_trip::<User>(v);
    round_trip::<UserRooms>(v);
    round_trip::<RoomInfo>(v);
    round_trip::<RoomSummary>(v);
    round_trip::<Room>(v);
    round_trip::<UpdatedRoom>(v);
    round_trip::<RoomWithComments>(v);
    round_trip::<Participant>(v);
    round_trip::<Comment>(v);
    round_trip::<Export>(v);
    round_trip::<Import>(v);
}

fuzz_target!(|data: &[u8]| {
    qiscus::fuzzing::decode_every_response(data);

    // The public models, on `results` and on the values one and two levels below it
    // (`results.room`, `results.comments[i]`, `results.backup_histories[i]`, ...).
    let Ok(root) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    let results = match &root {
        Value::Object(m) => m.get("results").unwrap_or(&root),
        _ => &root,
    };
    let mut todo = vec![(results, 0u8)];
    while let Some((v, depth)) = todo.pop() {
        check_all(v);
        if depth < 2 {
            match v {
                Value::Object(m) => todo.extend(m.values().map(|c| (c, depth + 1))),
                Value::Array(a) => todo.extend(a.iter().take(8).map(|c| (c, depth + 1))),
                _ => {}
            }
        }
    }
});
