//! Property tests over every public model: whatever a value holds, serializing it with serde_json
//! and deserializing the text gives the same value back, and a payload survives
//! `Payload::from_wire(Some(p.type_name()), p.to_wire())`.
//!
//! The decoders are lenient on purpose (notes.md: the live server sends `null`, `""`, numbers as
//! strings, JSON inside strings, ...) and fold several wire forms into one value. A round trip can
//! only be exact for values already in that folded ("normal") form, so the strategies below
//! generate normal forms only. Each restriction is written next to the strategy that applies
//! it, and `normalisations_outside_the_generated_domain` pins down what happens outside it.

use proptest::prelude::*;
use proptest::string::string_regex;
use qiscus::webhooks::{WebhookMessage, WebhookPayload, WebhookRoom, WebhookSender};
use qiscus::{
    AccountLinkingPayload, Button, ButtonAction, ButtonPostbackResponsePayload, ButtonsPayload,
    CardPayload, CarouselCard, CarouselPayload, Comment, ContactPersonPayload, CustomPayload,
    Export, FileAttachmentPayload, Import, ImportErrors, LocationPayload, Participant, Payload,
    ReplyPayload, Room, RoomInfo, RoomSummary, RoomWithComments, RoomsMeta, SystemEventPayload,
    Timestamp, UpdatedRoom, User, UserApp, UserRooms, WebhookEvent,
};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{Map, Value};
use std::fmt::Debug;

/// Every `type` with a typed variant (plus `""`, which reads as `text`).
const KNOWN_TYPES: &[&str] = &[
    "",
    "text",
    "reply",
    "account_linking",
    "buttons",
    "card",
    "carousel",
    "custom",
    "location",
    "contact_person",
    "file_attachment",
    "button_postback_response",
    "system_event",
];

/// The keys a system event's payload types; everything else goes to `extra`.
const SYSTEM_EVENT_KEYS: &[&str] = &[
    "type",
    "subject_username",
    "subject_email",
    "object_username",
    "object_email",
    "room_name",
];

// ---------------------------------------------------------------------------------------------
// Scalars and free-form JSON
// ---------------------------------------------------------------------------------------------

/// Any string at all, control characters, quotes and non-BMP characters included.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::collection::vec(any::<char>(), 0..12).prop_map(String::from_iter),
        1 => string_regex("[a-z@._ -]{0,10}").unwrap(),
        1 => Just(String::new()),
    ]
}

fn opt_text() -> impl Strategy<Value = Option<String>> {
    prop::option::of(text())
}

/// Floats that survive `f64 -> JSON text -> f64` exactly: few significant digits and a small
/// exponent (serde_json, without its `float_roundtrip` feature, may be one ulp off on long
/// mantissas). NaN and infinities have no JSON form at all.
fn exact_f64() -> impl Strategy<Value = f64> {
    prop_oneof![
        any::<i32>().prop_map(|i| f64::from(i) / 1000.0),
        any::<i16>().prop_map(|i| f64::from(i) * 1.0e6),
        Just(0.0),
    ]
}

/// Object keys: short, sometimes unicode, sometimes one of the crate's own field names.
fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        string_regex("[a-z_]{0,8}").unwrap(),
        prop::collection::vec(any::<char>(), 0..6).prop_map(String::from_iter),
        prop::sample::select(vec!["type", "payload", "id", "url", "text", "extra"])
            .prop_map(str::to_owned),
    ]
}

/// Any JSON value, bounded (depth 3, about 24 nodes, 4 per collection).
fn json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        exact_f64().prop_map(Value::from),
        text().prop_map(Value::String),
        // Strings that hold JSON, as the server embeds `options` and `payload`.
        Just(Value::String(r#"{"a":1}"#.into())),
        Just(Value::String("[1,2]".into())),
        Just(Value::String("12".into())),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(key(), inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// A JSON object (for payloads a server always sends as objects).
fn json_object() -> impl Strategy<Value = Map<String, Value>> {
    prop::collection::btree_map(key(), json(), 0..4).prop_map(|m| m.into_iter().collect())
}

/// `Option<JsonValue>` fields decoded with plain `Option` semantics: a JSON `null` reads as
/// `None`, so `Some(Value::Null)` is not a normal form.
fn opt_json() -> impl Strategy<Value = Option<Value>> {
    prop::option::of(json().prop_filter("null reads as None", |v| !v.is_null()))
}

/// True for what the "embedded JSON" decoder (room `options`, every comment `payload`) leaves
/// as it is: `null` and blank strings read as absent, and a string holding a JSON object or
/// array is parsed into it.
fn is_embedded_normal(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::String(s) => {
            !s.trim().is_empty()
                && !matches!(
                    serde_json::from_str::<Value>(s),
                    Ok(Value::Object(_) | Value::Array(_))
                )
        }
        _ => true,
    }
}

fn opt_embedded_json() -> impl Strategy<Value = Option<Value>> {
    prop::option::of(json().prop_filter("embedded JSON normal form", is_embedded_normal))
}

/// Timestamps are kept as the text sent; any string is one.
fn opt_timestamp() -> impl Strategy<Value = Option<Timestamp>> {
    prop::option::of(
        prop_oneof![
            Just("2017-02-07T19:01:00Z".to_owned()),
            Just("2017-09-23T10:34:44.156457Z".to_owned()),
            Just("0001-01-01T00:00:00Z".to_owned()),
            text(),
        ]
        .prop_map(Timestamp),
    )
}

// ---------------------------------------------------------------------------------------------
// Payloads
// ---------------------------------------------------------------------------------------------

fn button() -> impl Strategy<Value = Button> {
    (
        text(),
        prop_oneof![Just("postback".to_owned()), Just("link".to_owned()), text()],
        opt_text(),
        opt_text(),
        opt_json(),
    )
        .prop_map(|(label, button_type, url, method, payload)| Button {
            label,
            button_type,
            payload: ButtonAction {
                url,
                method,
                payload,
            },
        })
}

fn buttons() -> impl Strategy<Value = Vec<Button>> {
    prop::collection::vec(button(), 0..3)
}

fn carousel_card() -> impl Strategy<Value = CarouselCard> {
    (text(), text(), text(), opt_json(), buttons()).prop_map(
        |(image, title, description, default_action, buttons)| CarouselCard {
            image,
            title,
            description,
            default_action,
            buttons,
        },
    )
}

/// A system event's `extra` is `None`, or a non-empty object (an empty one reads as `None`)
/// whose keys are not the typed ones (a typed key in `extra` is decoded into its field, and is
/// only written out when that field is `None`).
fn system_event_extra() -> impl Strategy<Value = Option<Value>> {
    prop::option::of(
        json_object()
            .prop_map(|mut m| {
                m.retain(|k, _| !SYSTEM_EVENT_KEYS.contains(&k.as_str()));
                m
            })
            .prop_filter("an empty extra reads as None", |m| !m.is_empty())
            .prop_map(Value::Object),
    )
}

fn system_event() -> impl Strategy<Value = SystemEventPayload> {
    (
        prop_oneof![
            Just("create_room".to_owned()),
            Just("add_member".to_owned()),
            text()
        ],
        opt_text(),
        opt_text(),
        opt_text(),
        opt_text(),
        opt_text(),
        system_event_extra(),
    )
        .prop_map(
            |(
                event_type,
                subject_username,
                subject_email,
                object_username,
                object_email,
                room_name,
                extra,
            )| SystemEventPayload {
                event_type,
                subject_username,
                subject_email,
                object_username,
                object_email,
                room_name,
                extra,
            },
        )
}

/// A `type` with no typed variant. Known names (and `""`, read as `text`) would decode as their
/// variant, so they are left out here; see `unknown_shape_of_known_type` for those.
fn unknown_type_name() -> impl Strategy<Value = String> {
    prop_oneof![
        string_regex("[a-z_]{1,16}").unwrap(),
        prop::collection::vec(any::<char>(), 1..10).prop_map(String::from_iter),
        Just("Text".to_owned()),
        Just(" reply".to_owned()),
    ]
    .prop_filter("a known type name", |t| !KNOWN_TYPES.contains(&t.as_str()))
}

/// A known type (other than `text`, which takes any payload) with a payload of the wrong shape:
/// a scalar, which no typed payload accepts, or nothing at all for the two types with a
/// required field (`reply` needs `replied_comment_id`, `location` its coordinates). Objects and
/// arrays are left out: whether one decodes depends on its keys (and serde also reads an array
/// as a struct's fields in order).
fn unknown_shape_of_known_type() -> impl Strategy<Value = Payload> {
    let scalar = json().prop_filter("a scalar in normal form", |v| {
        !matches!(v, Value::Object(_) | Value::Array(_)) && is_embedded_normal(v)
    });
    prop_oneof![
        (prop::sample::select(&KNOWN_TYPES[2..]), scalar).prop_map(|(t, v)| Payload::Unknown {
            type_name: t.to_owned(),
            payload: Some(v),
        }),
        prop::sample::select(vec!["reply", "location"]).prop_map(|t| Payload::Unknown {
            type_name: t.to_owned(),
            payload: None,
        }),
    ]
}

fn unknown_payload() -> impl Strategy<Value = Payload> {
    prop_oneof![
        3 => (unknown_type_name(), opt_embedded_json())
            .prop_map(|(type_name, payload)| Payload::Unknown { type_name, payload }),
        1 => unknown_shape_of_known_type(),
    ]
}

fn payload() -> impl Strategy<Value = Payload> {
    prop_oneof![
        Just(Payload::Text),
        (text(), any::<i64>(), opt_text(), opt_text()).prop_map(|(t, id, m, e)| {
            Payload::Reply(ReplyPayload {
                text: t,
                replied_comment_id: id,
                replied_comment_message: m,
                replied_comment_sender_email: e,
            })
        }),
        (text(), text(), text(), opt_json()).prop_map(|(text, url, redirect_url, params)| {
            Payload::AccountLinking(AccountLinkingPayload {
                text,
                url,
                redirect_url,
                params,
            })
        }),
        (text(), buttons())
            .prop_map(|(text, buttons)| Payload::Buttons(ButtonsPayload { text, buttons })),
        (text(), text(), text(), text(), text(), buttons()).prop_map(
            |(text, image, title, description, url, buttons)| Payload::Card(CardPayload {
                text,
                image,
                title,
                description,
                url,
                buttons,
            })
        ),
        prop::collection::vec(carousel_card(), 0..3)
            .prop_map(|cards| Payload::Carousel(CarouselPayload { cards })),
        // `content` is kept exactly, `null` included.
        (text(), json()).prop_map(|(custom_type, content)| Payload::Custom(CustomPayload {
            custom_type,
            content
        })),
        (text(), text(), exact_f64(), exact_f64(), text()).prop_map(
            |(name, address, latitude, longitude, map_url)| Payload::Location(LocationPayload {
                name,
                address,
                latitude,
                longitude,
                map_url,
            })
        ),
        (text(), text(), opt_text()).prop_map(|(name, value, contact_type)| {
            Payload::ContactPerson(ContactPersonPayload {
                name,
                value,
                contact_type,
            })
        }),
        (
            text(),
            opt_text(),
            opt_text(),
            prop::option::of(any::<i64>()),
            prop::option::of(any::<i64>())
        )
            .prop_map(|(url, caption, file_name, size, pages)| {
                Payload::FileAttachment(FileAttachmentPayload {
                    url,
                    caption,
                    file_name,
                    size,
                    pages,
                })
            }),
        (opt_text(), opt_text(), opt_json()).prop_map(|(url, method, payload)| {
            Payload::ButtonPostbackResponse(ButtonPostbackResponsePayload {
                url,
                method,
                payload,
            })
        }),
        system_event().prop_map(Payload::SystemEvent),
        unknown_payload(),
    ]
}

// ---------------------------------------------------------------------------------------------
// Users, rooms, comments, backups, webhooks
// ---------------------------------------------------------------------------------------------

fn opt_id() -> impl Strategy<Value = Option<i64>> {
    prop::option::of(any::<i64>())
}

fn user() -> impl Strategy<Value = User> {
    (
        (any::<i64>(), text(), opt_text(), opt_text(), opt_text()),
        (
            opt_id(),
            prop::option::of(any::<bool>()),
            prop::option::of(any::<bool>()),
            opt_text(),
            prop::option::of(
                (opt_text(), opt_id(), opt_text()).prop_map(|(code, id, name)| UserApp {
                    code,
                    id,
                    name,
                }),
            ),
        ),
    )
        .prop_map(
            |(
                (id, email, username, avatar_url, token),
                (last_comment_id, pn_android_configured, pn_ios_configured, rt_key, app),
            )| User {
                id,
                email,
                username,
                avatar_url,
                token,
                last_comment_id,
                pn_android_configured,
                pn_ios_configured,
                rt_key,
                app,
            },
        )
}

fn participant() -> impl Strategy<Value = Participant> {
    (text(), opt_id(), opt_text(), opt_text(), opt_id(), opt_id()).prop_map(
        |(email, id, username, avatar_url, last_comment_read_id, last_comment_received_id)| {
            Participant {
                email,
                id,
                username,
                avatar_url,
                last_comment_read_id,
                last_comment_received_id,
            }
        },
    )
}

fn participants() -> impl Strategy<Value = Vec<Participant>> {
    prop::collection::vec(participant(), 0..3)
}

fn comment() -> impl Strategy<Value = Comment> {
    (
        (any::<i64>(), any::<i64>(), text(), payload(), opt_text()),
        (any::<bool>(), text(), opt_text(), opt_text(), opt_id()),
        (
            opt_id(),
            opt_text(),
            opt_text(),
            opt_id(),
            opt_timestamp(),
            opt_id(),
        ),
    )
        .prop_map(
            |(
                (id, comment_before_id, message, payload, unique_temp_id),
                (disable_link_preview, email, username, user_avatar_url, user_id),
                (room_id, room_name, chat_type, topic_id, timestamp, unix_timestamp),
            )| Comment {
                id,
                comment_before_id,
                message,
                payload,
                unique_temp_id,
                disable_link_preview,
                email,
                username,
                user_avatar_url,
                user_id,
                room_id,
                room_name,
                chat_type,
                topic_id,
                timestamp,
                unix_timestamp,
            },
        )
}

fn comments() -> impl Strategy<Value = Vec<Comment>> {
    prop::collection::vec(comment(), 0..3)
}

fn room() -> impl Strategy<Value = Room> {
    (
        (
            any::<i64>(),
            text(),
            text(),
            opt_text(),
            opt_embedded_json(),
        ),
        (any::<i64>(), text(), any::<i64>(), participants()),
    )
        .prop_map(
            |(
                (id, room_name, chat_type, avatar_url, options),
                (last_comment_id, last_comment_message, last_topic_id, participants),
            )| Room {
                id,
                room_name,
                chat_type,
                avatar_url,
                options,
                last_comment_id,
                last_comment_message,
                last_topic_id,
                participants,
            },
        )
}

fn room_info() -> impl Strategy<Value = RoomInfo> {
    (
        (any::<i64>(), text(), text(), opt_text(), any::<i64>()),
        (
            text(),
            opt_timestamp(),
            any::<i64>(),
            prop::option::of(participants()),
        ),
    )
        .prop_map(
            |(
                (room_id, room_name, room_type, room_avatar_url, last_comment_id),
                (last_comment_message, last_comment_timestamp, unread_count, participants),
            )| RoomInfo {
                room_id,
                room_name,
                room_type,
                room_avatar_url,
                last_comment_id,
                last_comment_message,
                last_comment_timestamp,
                unread_count,
                participants,
            },
        )
}

fn room_summary() -> impl Strategy<Value = RoomSummary> {
    (any::<i64>(), text(), text(), opt_text(), participants()).prop_map(
        |(room_id, room_name, room_type, creator, participants)| RoomSummary {
            room_id,
            room_name,
            room_type,
            creator,
            participants,
        },
    )
}

fn user_rooms() -> impl Strategy<Value = UserRooms> {
    (
        prop::option::of(
            (any::<i64>(), any::<i64>()).prop_map(|(current_page, total_room)| RoomsMeta {
                current_page,
                total_room,
            }),
        ),
        prop::collection::vec(room_info(), 0..3),
    )
        .prop_map(|(meta, rooms_info)| UserRooms { meta, rooms_info })
}

fn export() -> impl Strategy<Value = Export> {
    (
        (text(), text(), exact_f64(), text(), text()),
        (text(), any::<i64>(), any::<i64>(), text(), opt_timestamp()),
    )
        .prop_map(
            |(
                (unique_id, status, percentage, resource_name, download_url),
                (original_filename, size, total_rows, error_message, created_at),
            )| Export {
                unique_id,
                status,
                percentage,
                resource_name,
                download_url,
                original_filename,
                size,
                total_rows,
                error_message,
                created_at,
            },
        )
}

fn import() -> impl Strategy<Value = Import> {
    (
        (text(), text(), text(), text()),
        (
            any::<i64>(),
            any::<i64>(),
            text(),
            opt_json(),
            opt_timestamp(),
        ),
    )
        .prop_map(
            |(
                (unique_id, status, resource_name, original_filename),
                (size, total_rows, summary, data, created_at),
            )| Import {
                unique_id,
                status,
                resource_name,
                original_filename,
                size,
                total_rows,
                errors: ImportErrors { summary, data },
                created_at,
            },
        )
}

fn webhook_event() -> impl Strategy<Value = WebhookEvent> {
    let from =
        (opt_id(), text(), opt_text(), opt_text()).prop_map(|(id, email, name, avatar_url)| {
            WebhookSender {
                id,
                email,
                name,
                avatar_url,
            }
        });
    let room = (
        any::<i64>(),
        opt_id(),
        text(),
        text(),
        opt_text(),
        participants(),
    )
        .prop_map(
            |(id, topic_id, room_type, name, room_avatar, participants)| WebhookRoom {
                id,
                topic_id,
                room_type,
                name,
                room_avatar,
                participants,
            },
        );
    let message = (
        (opt_id(), opt_id(), text(), payload(), opt_text()),
        (any::<bool>(), opt_timestamp(), opt_timestamp(), opt_id()),
    )
        .prop_map(
            |(
                (id, comment_before_id, text, payload, unique_temp_id),
                (disable_link_preview, created_at, timestamp, unix_timestamp),
            )| WebhookMessage {
                id,
                comment_before_id,
                text,
                payload,
                unique_temp_id,
                disable_link_preview,
                created_at,
                timestamp,
                unix_timestamp,
            },
        );
    (
        prop_oneof![
            Just("post_comment_mobile".to_owned()),
            Just("post_comment_rest".to_owned()),
            text()
        ],
        from,
        room,
        message,
    )
        .prop_map(|(event_type, from, room, message)| WebhookEvent {
            event_type,
            payload: WebhookPayload {
                from,
                room,
                message,
            },
        })
}

// ---------------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------------

/// JSON text and back gives the same value; the re-encoded JSON is the same JSON too.
fn assert_round_trip<T>(value: &T) -> Result<(), TestCaseError>
where
    T: Serialize + DeserializeOwned + PartialEq + Debug,
{
    let text = serde_json::to_string(value).map_err(|e| TestCaseError::fail(e.to_string()))?;
    let back: T = serde_json::from_str(&text)
        .map_err(|e| TestCaseError::fail(format!("decoding {text}: {e}")))?;
    prop_assert_eq!(value, &back, "wire form: {}", text);
    let again = serde_json::to_value(&back).map_err(|e| TestCaseError::fail(e.to_string()))?;
    let first: Value = serde_json::from_str(&text).expect("serde_json writes JSON");
    prop_assert_eq!(first, again, "the wire form changed on the second pass");
    Ok(())
}

proptest! {
    // Failing cases are printed, not saved: this file is the test's only footprint in the tree.
    #![proptest_config(ProptestConfig {
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn payload_from_wire_inverts_to_wire(p in payload()) {
        let wire = p.to_wire();
        let back = Payload::from_wire(Some(p.type_name()), wire.clone());
        prop_assert_eq!(&back, &p, "to_wire: {:?}", wire);
        // And embedded in a JSON string, as post_comment sends it. Only objects and arrays are
        // parsed out of a string (a scalar's text stays a string), so only those are checked.
        if let Some(v @ (Value::Object(_) | Value::Array(_))) = wire {
            let as_string = Some(Value::String(v.to_string()));
            prop_assert_eq!(Payload::from_wire(Some(p.type_name()), as_string), p);
        }
    }

    #[test]
    fn payload_round_trips(p in payload()) {
        assert_round_trip(&p)?;
    }

    #[test]
    fn unknown_payload_is_kept_whole(p in unknown_payload()) {
        let Payload::Unknown { type_name, payload } = &p else { unreachable!() };
        prop_assert_eq!(&p.to_wire(), payload);
        let sent: Value = serde_json::from_str(&serde_json::to_string(&p).unwrap()).unwrap();
        prop_assert_eq!(&sent["type"], &Value::String(type_name.clone()));
        prop_assert_eq!(&sent["payload"], payload.as_ref().unwrap_or(&Value::Null));
        let decoded: Payload = serde_json::from_value(sent).unwrap();
        prop_assert_eq!(&decoded, &p);
        prop_assert_eq!(&decoded.to_wire(), payload);
    }

    #[test]
    fn comment_round_trips(c in comment()) {
        assert_round_trip(&c)?;
        // The comment's JSON carries the payload exactly as `to_wire` gives it.
        let sent = serde_json::to_value(&c).unwrap();
        prop_assert_eq!(sent.get("type"), Some(&Value::String(c.payload.type_name().into())));
        prop_assert_eq!(sent.get("payload").cloned(), c.payload.to_wire());
    }

    #[test]
    fn user_round_trips(u in user()) {
        assert_round_trip(&u)?;
    }

    #[test]
    fn participant_round_trips(p in participant()) {
        assert_round_trip(&p)?;
        // A bare e-mail is the same participant as an object holding only that e-mail.
        let bare: Participant = serde_json::from_value(Value::String(p.email.clone())).unwrap();
        prop_assert_eq!(bare, Participant::from_email(p.email.clone()));
    }

    #[test]
    fn room_round_trips(r in room()) {
        assert_round_trip(&r)?;
    }

    #[test]
    fn room_info_round_trips(r in room_info()) {
        assert_round_trip(&r)?;
    }

    #[test]
    fn user_rooms_round_trip(r in user_rooms()) {
        assert_round_trip(&r)?;
    }

    #[test]
    fn room_summary_round_trips(r in room_summary()) {
        assert_round_trip(&r)?;
    }

    #[test]
    fn updated_room_round_trips(changed in any::<bool>(), room in room(), comments in comments()) {
        assert_round_trip(&UpdatedRoom { changed, room, comments })?;
    }

    #[test]
    fn room_with_comments_round_trips(room in room(), comments in comments()) {
        assert_round_trip(&RoomWithComments { room, comments })?;
    }

    #[test]
    fn export_round_trips(e in export()) {
        assert_round_trip(&e)?;
    }

    #[test]
    fn import_round_trips(i in import()) {
        assert_round_trip(&i)?;
    }

    #[test]
    fn webhook_event_round_trips(e in webhook_event()) {
        assert_round_trip(&e)?;
        // What parse_event reads from the bytes is the same.
        let bytes = serde_json::to_vec(&e).unwrap();
        prop_assert_eq!(qiscus::webhooks::parse_event(&bytes).unwrap(), e);
    }
}

/// What the decoders fold together, i.e. why the strategies above stay in the normal form.
#[test]
fn normalisations_outside_the_generated_domain() {
    use serde_json::json;

    // Room options: null, "" and blank read as absent; a JSON string is parsed.
    let room = |options: Value| -> Room {
        serde_json::from_value(json!({"id": 1, "options": options})).unwrap()
    };
    assert_eq!(room(json!(null)).options, None);
    assert_eq!(room(json!("")).options, None);
    assert_eq!(room(json!("  ")).options, None);
    assert_eq!(room(json!(r#"{"a":1}"#)).options, Some(json!({"a": 1})));
    assert_eq!(room(json!("not json")).options, Some(json!("not json")));

    // Plain optional JSON: null is None.
    let lp: AccountLinkingPayload = serde_json::from_value(json!({"params": null})).unwrap();
    assert_eq!(lp.params, None);

    // Unknown with a known type name decodes as that type when the payload fits it.
    let p = Payload::Unknown {
        type_name: "text".into(),
        payload: None,
    };
    assert_eq!(
        Payload::from_wire(Some(p.type_name()), p.to_wire()),
        Payload::Text
    );
    let p = Payload::Unknown {
        type_name: "custom".into(),
        payload: Some(json!({"type": "promo"})),
    };
    assert!(matches!(
        Payload::from_wire(Some(p.type_name()), p.to_wire()),
        Payload::Custom(_)
    ));
    assert_eq!(Payload::from_wire(Some(""), None), Payload::Text);

    // An unknown type's payload: null and "" read as absent; embedded JSON is parsed.
    assert_eq!(
        Payload::from_wire(Some("new"), Some(json!(""))),
        Payload::Unknown {
            type_name: "new".into(),
            payload: None
        }
    );
    assert_eq!(
        Payload::from_wire(Some("new"), Some(json!("[1]"))).to_wire(),
        Some(json!([1]))
    );

    // System events: an empty extra is None; an extra key that is a typed key is decoded into
    // the typed field (and is only written out when that field is None).
    let mut ev = SystemEventPayload {
        event_type: "custom".into(),
        subject_username: None,
        subject_email: Some("a@example.com".into()),
        object_username: None,
        object_email: None,
        room_name: None,
        extra: Some(json!({})),
    };
    let back = Payload::from_wire(
        Some("system_event"),
        Payload::SystemEvent(ev.clone()).to_wire(),
    );
    assert!(matches!(
        back,
        Payload::SystemEvent(SystemEventPayload { extra: None, .. })
    ));
    ev.extra = Some(json!({"subject_email": "b@example.com", "room_name": "R"}));
    let Payload::SystemEvent(back) =
        Payload::from_wire(Some("system_event"), Payload::SystemEvent(ev).to_wire())
    else {
        panic!("not a system event")
    };
    assert_eq!(back.subject_email.as_deref(), Some("a@example.com"));
    assert_eq!(back.room_name.as_deref(), Some("R"));
    assert_eq!(back.extra, None);

    // An export's percentage may come as a string; one that is not a finite number reads as 0
    // (NaN or infinity would serialize as null and never compare equal).
    for text in ["NaN", "inf", "-infinity", "1e999"] {
        let e: Export =
            serde_json::from_value(json!({"unique_id": "x", "percentage": text})).unwrap();
        assert_eq!(e.percentage, 0.0, "{text}");
    }
    let e: Export =
        serde_json::from_value(json!({"unique_id": "x", "percentage": " 12.5 "})).unwrap();
    assert_eq!(e.percentage, 12.5);

    // A card's image goes out as `image_url` and is read back from either name.
    let card = CardPayload {
        text: String::new(),
        image: "i".into(),
        title: String::new(),
        description: String::new(),
        url: String::new(),
        buttons: vec![],
    };
    assert_eq!(
        serde_json::to_value(&card).unwrap()["image_url"],
        json!("i")
    );
}
