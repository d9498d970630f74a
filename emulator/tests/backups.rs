//! Exports (finishing with an import-format download) and imports.

mod common;

use std::time::Duration;

use common::*;
use qiscus_emulator::EmulatorConfig;
use serde_json::{json, Value};

const EXPORT_KEYS: &[&str] = &[
    "created_at",
    "download_url",
    "error_message",
    "original_filename",
    "percentage",
    "resource_name",
    "size",
    "status",
    "total_rows",
    "unique_id",
];
const IMPORT_KEYS: &[&str] = &[
    "created_at",
    "errors",
    "original_filename",
    "resource_name",
    "size",
    "status",
    "total_rows",
    "unique_id",
];

async fn fast() -> Ctx {
    Ctx::with(EmulatorConfig {
        export_delay: Duration::from_millis(20),
        ..EmulatorConfig::default()
    })
    .await
}

fn today() -> String {
    chrono::Utc::now().format("%Y-%m-%d").to_string()
}

/// Exports `resource` for today and returns the downloaded rows.
async fn export(c: &Ctx, resource: &str) -> Vec<Value> {
    let d = today();
    let got = c
        .post(
            "exports",
            json!({"type": resource, "start_date": d, "end_date": d}),
        )
        .await;
    let job = assert_ok(&got);
    assert_keys(&job, EXPORT_KEYS);
    assert_eq!(job["status"], "started");
    assert_eq!(job["percentage"], 0);
    assert_eq!(job["download_url"], "");
    let id = job["unique_id"].as_str().unwrap().to_string();
    assert_eq!(uuid_version(&id), '4');
    let created = job["created_at"].as_str().unwrap();
    assert_eq!(
        job["original_filename"],
        format!("{created}_exported_{resource}.json")
    );
    for _ in 0..100 {
        let got = c.get(&format!("exports/{id}"), &[]).await;
        let h = assert_ok(&got)["backup_history"].clone();
        assert_keys(&h, EXPORT_KEYS);
        if h["status"] == "finished" {
            assert_eq!(h["percentage"], 100);
            let url = h["download_url"].as_str().unwrap();
            let bytes = c.http.get(url).send().await.unwrap().bytes().await.unwrap();
            assert_eq!(h["size"], bytes.len() as u64);
            let rows: Vec<Value> = serde_json::from_slice(&bytes).unwrap();
            assert_eq!(h["total_rows"], rows.len() as u64);
            return rows;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("export did not finish");
}

fn uuid_version(id: &str) -> char {
    id.chars().nth(14).unwrap()
}

async fn import(c: &Ctx, resource: &str, content: &str) -> Value {
    let form = reqwest::multipart::Form::new()
        .text("type", resource.to_string())
        .part(
            "file",
            reqwest::multipart::Part::bytes(content.as_bytes().to_vec()).file_name("data.json"),
        );
    let r = c
        .http
        .post(c.url("imports"))
        .header("QISCUS_SDK_SECRET", "emulator-secret")
        .multipart(form)
        .send()
        .await
        .unwrap();
    let got = (r.status().as_u16(), r.json::<Value>().await.unwrap());
    let h = assert_ok(&got)["backup_history"].clone();
    assert_keys(&h, IMPORT_KEYS);
    assert_eq!(h["status"], "started");
    assert_eq!(h["errors"], json!({"Message": "", "Data": null}));
    assert_eq!(h["original_filename"], "data.json");
    let id = h["unique_id"].clone();
    for _ in 0..100 {
        let got = c.get("imports", &[]).await;
        let list = assert_ok(&got)["backup_histories"]
            .as_array()
            .unwrap()
            .clone();
        let h = list.into_iter().find(|h| h["unique_id"] == id).unwrap();
        assert_keys(&h, IMPORT_KEYS);
        if h["status"] != "started" {
            return h;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("import did not finish");
}

#[tokio::test]
async fn exports_finish_with_import_format_download() {
    let c = fast().await;
    c.user("a@x.com", "Ani").await;
    c.user("b@x.com", "Budi").await;
    let room = c.single("a@x.com", "b@x.com").await;
    let first = c.say(room, "a@x.com", "hello").await;
    let got = c
        .post(
            "post_comment",
            json!({"sender_email": "b@x.com", "room_id": room, "message": "re", "type": "reply", "payload": {"text": "hello", "replied_comment_id": first["id"]}}),
        )
        .await;
    assert_ok(&got);

    let users = export(&c, "users").await;
    assert_eq!(users.len(), 2);
    assert_keys(
        &users[0],
        &[
            "Email",
            "Name",
            "AvatarUrl",
            "AuthenticationToken",
            "Password",
            "CreateAt",
        ],
    );
    let rooms = export(&c, "rooms").await;
    assert_eq!(rooms.len(), 1);
    assert_keys(
        &rooms[0],
        &[
            "Name",
            "Type",
            "Options",
            "CreatorEmail",
            "CreatedAt",
            "AvatarUrl",
            "UniqueId",
            "ParticipantEmails",
        ],
    );
    assert_eq!(rooms[0]["ParticipantEmails"], json!(["a@x.com", "b@x.com"]));
    let comments = export(&c, "comments").await;
    assert_eq!(comments.len(), 2);
    assert_keys(
        &comments[0],
        &[
            "Message",
            "DisableLinkPreview",
            "Type",
            "UniqueId",
            "CreatorEmail",
            "RoomUniqueId",
            "CreatedAt",
            "Payload",
            "ParentCommentUniqueId",
        ],
    );
    assert_eq!(
        comments[1]["ParentCommentUniqueId"],
        first["unique_temp_id"]
    );
    assert_eq!(comments[0]["RoomUniqueId"], rooms[0]["UniqueId"]);

    // Date filter: a range in the past has no rows.
    let got = c
        .post(
            "exports",
            json!({"type": "users", "start_date": "2017-01-01", "end_date": "2017-01-02"}),
        )
        .await;
    let id = assert_ok(&got)["unique_id"].as_str().unwrap().to_string();
    tokio::time::sleep(Duration::from_millis(150)).await;
    let got = c.get(&format!("exports/{id}"), &[]).await;
    assert_eq!(assert_ok(&got)["backup_history"]["total_rows"], 0);

    // List newest first, delete, 404s.
    let got = c.get("exports", &[("page", "1")]).await;
    let list = assert_ok(&got)["backup_histories"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(list.len(), 4);
    assert_eq!(list[0]["unique_id"], id.as_str());
    let got = c.delete(&format!("exports/{id}")).await;
    assert_eq!(assert_ok(&got)["backup_history"]["unique_id"], id.as_str());
    assert_error(&c.get(&format!("exports/{id}"), &[]).await, 404, &id);
    assert_error(&c.delete(&format!("exports/{id}")).await, 404, &id);
    let got = c.get("exports", &[("page", "2")]).await;
    assert_eq!(assert_ok(&got)["backup_histories"], json!([]));
}

#[tokio::test]
async fn export_validation() {
    let c = fast().await;
    let d = today();
    assert_error(
        &c.post(
            "exports",
            json!({"type": "things", "start_date": d, "end_date": d}),
        )
        .await,
        400,
        "type",
    );
    assert_error(
        &c.post(
            "exports",
            json!({"type": "users", "start_date": "2017/01/01", "end_date": d}),
        )
        .await,
        400,
        "start_date",
    );
    assert_error(
        &c.post("exports", json!({"type": "users", "start_date": d}))
            .await,
        400,
        "end_date",
    );
    assert_error(
        &c.post(
            "exports",
            json!({"type": "users", "start_date": "2020-01-02", "end_date": "2020-01-01"}),
        )
        .await,
        400,
        "end_date",
    );
}

#[tokio::test]
async fn imports_apply_good_rows_and_report_bad_ones() {
    let c = fast().await;
    c.user("a@x.com", "Ani").await;
    let users = json!([
        {"Email": "i1@x.com", "Name": "Imp One", "AvatarUrl": "https://a/1.png", "AuthenticationToken": "tok1", "Password": "pw", "CreateAt": "2017-05-10T11:46:30Z"},
        {"Email": "a@x.com", "Name": "Dup Existing"},
        {"Email": "i2@x.com", "Name": "Imp Two"},
        {"Email": "i2@x.com", "Name": "Dup In File"},
        {"Email": "bad", "Name": "Bad"}
    ]);
    let h = import(&c, "users", &users.to_string()).await;
    assert_eq!(h["status"], "finished");
    assert_eq!(h["total_rows"], 2);
    assert_eq!(h["errors"]["Message"], "3 rows failed");
    let rows: Vec<u64> = h["errors"]["Data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["row"].as_u64().unwrap())
        .collect();
    assert_eq!(rows, vec![1, 3, 4]);
    let got = c.get("user_profile", &[("user_email", "i1@x.com")]).await;
    let u = assert_ok(&got)["user"].clone();
    assert_eq!(u["username"], "Imp One");
    assert_eq!(u["token"], "tok1");

    let rooms = json!([
        {"Name": "ignored", "Type": "single", "Options": "", "CreatorEmail": "i1@x.com", "CreatedAt": "2017-05-11T06:35:27Z", "AvatarUrl": "", "UniqueId": "room-s", "ParticipantEmails": ["i1@x.com", "i2@x.com"]},
        {"Name": "Family", "Type": "group", "Options": "", "CreatorEmail": "i1@x.com", "CreatedAt": "2017-05-11T06:35:27Z", "AvatarUrl": "", "UniqueId": "room-g", "ParticipantEmails": ["i1@x.com", "i2@x.com", "a@x.com"]},
        {"Name": "dup", "Type": "group", "CreatorEmail": "i1@x.com", "UniqueId": "room-g", "ParticipantEmails": ["i1@x.com"]},
        {"Name": "ghost", "Type": "group", "CreatorEmail": "i1@x.com", "UniqueId": "room-x", "ParticipantEmails": ["ghost@x.com"]},
        {"Name": "three", "Type": "single", "CreatorEmail": "i1@x.com", "UniqueId": "room-3", "ParticipantEmails": ["i1@x.com", "i2@x.com", "a@x.com"]}
    ]);
    let h = import(&c, "rooms", &rooms.to_string()).await;
    assert_eq!(h["status"], "finished");
    assert_eq!(h["total_rows"], 2);
    assert_eq!(h["errors"]["Message"], "3 rows failed");

    let comments = json!([
        {"Message": "Halo doc", "DisableLinkPreview": false, "Type": "text", "UniqueId": "c1", "CreatorEmail": "i1@x.com", "RoomUniqueId": "room-g", "CreatedAt": "2017-05-11T19:14:24Z", "Payload": null, "ParentCommentUniqueId": ""},
        {"Message": "Maaf mau tanya..", "DisableLinkPreview": false, "Type": "reply", "UniqueId": "c2", "CreatorEmail": "i2@x.com", "RoomUniqueId": "room-g", "CreatedAt": "2017-05-11T19:15:24Z", "Payload": {"text": "Maaf mau tanya..", "replied_comment_id": 1}, "ParentCommentUniqueId": "c1"},
        {"Message": "dup", "Type": "text", "UniqueId": "c1", "CreatorEmail": "i1@x.com", "RoomUniqueId": "room-g"},
        {"Message": "no room", "Type": "text", "UniqueId": "c4", "CreatorEmail": "i1@x.com", "RoomUniqueId": "nope"},
        {"Message": "no user", "Type": "text", "UniqueId": "c5", "CreatorEmail": "ghost@x.com", "RoomUniqueId": "room-g"},
        {"Message": "bad parent", "Type": "reply", "UniqueId": "c6", "CreatorEmail": "i1@x.com", "RoomUniqueId": "room-g", "Payload": {"text": "x", "replied_comment_id": 1}, "ParentCommentUniqueId": "later"}
    ]);
    let h = import(&c, "comments", &comments.to_string()).await;
    assert_eq!(h["status"], "finished");
    assert_eq!(h["total_rows"], 2);
    assert_eq!(h["errors"]["Message"], "4 rows failed");

    // Imported data is visible through the API...
    let got = c
        .get(
            "get_user_rooms",
            &[("user_email", "i2@x.com"), ("show_participants", "true")],
        )
        .await;
    let r = assert_ok(&got);
    assert_eq!(r["meta"]["total_room"], 2);
    let names: Vec<&str> = r["rooms_info"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["room_name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"i1@x.com <> i2@x.com"), "{names:?}");
    assert!(names.contains(&"Family"));

    // ...and in an export (which is what the import wrote).
    let all = |from: &str| {
        let (c, from) = (&c, from.to_string());
        async move {
            let got = c
                .post(
                    "exports",
                    json!({"type": from, "start_date": "2017-01-01", "end_date": today()}),
                )
                .await;
            let id = assert_ok(&got)["unique_id"].as_str().unwrap().to_string();
            loop {
                tokio::time::sleep(Duration::from_millis(30)).await;
                let got = c.get(&format!("exports/{id}"), &[]).await;
                let h = assert_ok(&got)["backup_history"].clone();
                if h["status"] == "finished" {
                    let url = h["download_url"].as_str().unwrap().to_string();
                    return c
                        .http
                        .get(url)
                        .send()
                        .await
                        .unwrap()
                        .json::<Vec<Value>>()
                        .await
                        .unwrap();
                }
            }
        }
    };
    let exported = all("comments").await;
    assert_eq!(exported.len(), 2);
    assert_eq!(exported[0]["UniqueId"], "c1");
    assert_eq!(exported[0]["CreatedAt"], "2017-05-11T19:14:24Z");
    assert_eq!(exported[1]["ParentCommentUniqueId"], "c1");
    assert_eq!(exported[1]["RoomUniqueId"], "room-g");
    let exported = all("users").await;
    let imp = exported.iter().find(|u| u["Email"] == "i1@x.com").unwrap();
    assert_eq!(imp["CreateAt"], "2017-05-10T11:46:30Z");
    assert_eq!(imp["Password"], "pw");
    let exported = all("rooms").await;
    assert_eq!(exported.len(), 2);

    // A file that is not a JSON array of objects fails.
    let h = import(&c, "users", "{\"not\": \"an array\"}").await;
    assert_eq!(h["status"], "failed");
    assert_eq!(h["total_rows"], 0);
    // No errors -> {}.
    let h = import(
        &c,
        "users",
        &json!([{"Email": "ok@x.com", "Name": "Ok"}]).to_string(),
    )
    .await;
    assert_eq!(h["errors"], json!({}));
    assert_eq!(h["total_rows"], 1);
}

#[tokio::test]
async fn import_validation() {
    let c = fast().await;
    let send = |form: reqwest::multipart::Form| {
        c.http
            .post(c.url("imports"))
            .header("QISCUS_SDK_SECRET", "emulator-secret")
            .multipart(form)
            .send()
    };
    let r = send(reqwest::multipart::Form::new().text("type", "users"))
        .await
        .unwrap();
    let got = (r.status().as_u16(), r.json::<Value>().await.unwrap());
    assert_error(&got, 400, "file");
    let r = send(reqwest::multipart::Form::new().text("type", "bogus").part(
        "file",
        reqwest::multipart::Part::bytes(b"[]".to_vec()).file_name("x.json"),
    ))
    .await
    .unwrap();
    let got = (r.status().as_u16(), r.json::<Value>().await.unwrap());
    assert_error(&got, 400, "type");
    let big = vec![b' '; 4 * 1024 * 1024 + 10];
    let r = send(reqwest::multipart::Form::new().text("type", "users").part(
        "file",
        reqwest::multipart::Part::bytes(big).file_name("big.json"),
    ))
    .await
    .unwrap();
    let got = (r.status().as_u16(), r.json::<Value>().await.unwrap());
    assert_error(&got, 413, "4 MB");
}
