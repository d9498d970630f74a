//! `qiscus`: every call of the Qiscus SDK REST API (v2) as a subcommand with JSON output, plus
//! exports to files, imports from files, webhook verification and a local emulator.
//!
//! Credentials come from `--app-id`, `--secret` and `--base-url`, or from `QISCUS_APP_ID`,
//! `QISCUS_SECRET` and `QISCUS_BASE_URL`. Results go to stdout as JSON; errors go to stderr.
//! Exit codes: 0 success, 1 an API, network or webhook-signature error, 2 a usage error
//! (including missing credentials and input refused before sending).
#![forbid(unsafe_code)]

use std::io::{Read, Write};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};
use qiscus::{
    BackupProgress, BackupResource, BackupRows, BackupStage, Client, CommentsPagerParams,
    CreateExportParams, CreateImportParams, CreateRoomParams, DevicePlatform, ExportOptions,
    GetRoomsInfoParams, GetUserRoomsParams, ImportBatch, ImportOptions, LoadCommentsParams,
    LoginOrRegisterParams, Payload, PostCommentParams, RoomType, SearchMessagesParams, SystemEvent,
    SystemEventParams, UpdateRoomParams,
};
use serde::Serialize;
use serde_json::Value;

/// Command line for the Qiscus SDK REST API (v2).
#[derive(Parser, Debug)]
#[command(name = "qiscus", version, about, long_about = None)]
struct Cli {
    #[command(flatten)]
    global: Global,
    #[command(subcommand)]
    command: Command,
}

/// Options every subcommand takes.
#[derive(Args, Debug)]
struct Global {
    /// Qiscus app id.
    #[arg(long, env = "QISCUS_APP_ID", global = true)]
    app_id: Option<String>,
    /// Secret key (prefer the environment variable: flags show up in process lists).
    #[arg(long, env = "QISCUS_SECRET", global = true, hide_env_values = true)]
    secret: Option<String>,
    /// Base URL, e.g. an emulator's `http://127.0.0.1:PORT` (default `https://{app-id}.qiscus.com`).
    #[arg(long, env = "QISCUS_BASE_URL", global = true)]
    base_url: Option<String>,
    /// Per-request timeout in seconds.
    #[arg(long, global = true, default_value_t = 30)]
    timeout: u64,
    /// One-line JSON instead of pretty-printed.
    #[arg(long, global = true)]
    compact: bool,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Create a user, or update one (`POST login_or_register`).
    LoginOrRegister {
        /// E-mail address.
        #[arg(long)]
        email: String,
        /// Display name.
        #[arg(long)]
        username: String,
        /// Password (needed to update an existing user).
        #[arg(long)]
        password: Option<String>,
        /// Avatar URL.
        #[arg(long)]
        avatar_url: Option<String>,
        /// Push-notification device token.
        #[arg(long)]
        device_token: Option<String>,
        /// Platform of the device token.
        #[arg(long, value_enum)]
        device_platform: Option<Platform>,
    },
    /// A user's profile (`GET user_profile`).
    UserProfile {
        /// E-mail address.
        #[arg(long)]
        email: String,
    },
    /// Replace a user's token (`POST reset_user_token`).
    ResetUserToken {
        /// E-mail address.
        #[arg(long)]
        email: String,
    },
    /// A user's rooms (`GET get_user_rooms`); `--all` pages through every room.
    GetUserRooms {
        /// E-mail address.
        #[arg(long)]
        email: String,
        /// Page (20 rooms a page).
        #[arg(long, conflicts_with = "all")]
        page: Option<u32>,
        /// Every room, page after page, as one list.
        #[arg(long)]
        all: bool,
        /// Include participants.
        #[arg(long)]
        show_participants: bool,
        /// Only rooms of this type.
        #[arg(long, value_enum)]
        room_type: Option<Kind>,
    },
    /// Create a group room (`POST create_room`).
    CreateRoom {
        /// Group name.
        #[arg(long)]
        name: String,
        /// Creator's e-mail.
        #[arg(long)]
        creator: String,
        /// A participant's e-mail (repeat, or separate with commas).
        #[arg(long = "participant", required = true, value_delimiter = ',')]
        participants: Vec<String>,
        /// Avatar URL.
        #[arg(long)]
        avatar_url: Option<String>,
    },
    /// Rename a group room or change its avatar or options (`POST update_room`).
    UpdateRoom {
        /// A participant's e-mail.
        #[arg(long)]
        email: String,
        /// Room id.
        #[arg(long)]
        room: i64,
        /// New name.
        #[arg(long)]
        name: Option<String>,
        /// New avatar URL.
        #[arg(long)]
        avatar_url: Option<String>,
        /// New options (JSON).
        #[arg(long, value_parser = parse_json)]
        options: Option<Value>,
    },
    /// The single room of two users (`GET get_or_create_room_with_target`).
    GetOrCreateRoomWithTarget {
        /// The two e-mails (repeat, or separate with commas).
        #[arg(long = "email", required = true, value_delimiter = ',')]
        emails: Vec<String>,
    },
    /// Rooms' last comment, unread count, participants (`POST get_rooms_info`).
    GetRoomsInfo {
        /// The user asking.
        #[arg(long)]
        email: String,
        /// Room ids (repeat, or separate with commas).
        #[arg(long = "room", required = true, value_delimiter = ',')]
        rooms: Vec<i64>,
        /// Include participants.
        #[arg(long)]
        show_participants: bool,
    },
    /// Add users to a group room (`POST add_room_participants`).
    AddRoomParticipants {
        /// Room id.
        #[arg(long)]
        room: i64,
        /// E-mails (repeat, or separate with commas).
        #[arg(long = "email", required = true, value_delimiter = ',')]
        emails: Vec<String>,
    },
    /// Remove users from a group room (`POST remove_room_participants`).
    RemoveRoomParticipants {
        /// Room id.
        #[arg(long)]
        room: i64,
        /// E-mails (repeat, or separate with commas).
        #[arg(long = "email", required = true, value_delimiter = ',')]
        emails: Vec<String>,
    },
    /// Post a comment of any type (`POST post_comment`).
    PostComment {
        /// Room id.
        #[arg(long)]
        room: i64,
        /// Sender's e-mail.
        #[arg(long)]
        sender: String,
        /// Text (the comment's message).
        #[arg(long, default_value = "")]
        text: String,
        /// Comment type (`text`, `reply`, `buttons`, `card`, `custom`, ...).
        #[arg(long = "type", default_value = "text")]
        kind: String,
        /// The type's payload (JSON).
        #[arg(long, value_parser = parse_json)]
        payload: Option<Value>,
        /// Idempotency key (generated when absent).
        #[arg(long)]
        unique_temp_id: Option<String>,
        /// Turn link previews off.
        #[arg(long)]
        disable_link_preview: bool,
    },
    /// A room's comments, newest first (`GET load_comments`); `--all` pages through them.
    LoadComments {
        /// Room id.
        #[arg(long)]
        room: i64,
        /// Page, from 1.
        #[arg(long, conflicts_with = "all")]
        page: Option<u32>,
        /// Comments per page, 1..=100.
        #[arg(long)]
        limit: Option<u32>,
        /// Every comment, page after page, as one list.
        #[arg(long)]
        all: bool,
        /// With `--all`: stop at this comment id (exclusive).
        #[arg(long, requires = "all")]
        stop_at_id: Option<i64>,
        /// With `--all`: at most this many comments.
        #[arg(long, requires = "all")]
        max_count: Option<u64>,
    },
    /// Post a system event message (`POST post_system_event_message`).
    PostSystemEventMessage {
        /// Room id.
        #[arg(long)]
        room: i64,
        /// Who did it.
        #[arg(long)]
        subject: String,
        /// The event.
        #[arg(long, value_enum)]
        event: EventKind,
        /// New room name (create_room, change_room_name).
        #[arg(long)]
        room_name: Option<String>,
        /// Who was added or removed (repeat, or separate with commas).
        #[arg(long = "object-email", value_delimiter = ',')]
        object_emails: Vec<String>,
        /// Custom event payload (JSON object with a `type`).
        #[arg(long, value_parser = parse_json)]
        payload: Option<Value>,
        /// Custom event message.
        #[arg(long)]
        message: Option<String>,
    },
    /// Search a user's messages (`POST search_messages`).
    SearchMessages {
        /// The user.
        #[arg(long)]
        email: String,
        /// Keyword.
        #[arg(long)]
        query: String,
        /// Only this room.
        #[arg(long)]
        room: Option<i64>,
    },
    /// Request an export (`POST exports`); see `export` to wait and download.
    CreateExport {
        /// What to export.
        #[arg(value_enum)]
        resource: Resource,
        /// First day, YYYY-MM-DD.
        #[arg(long)]
        from: String,
        /// Last day, YYYY-MM-DD.
        #[arg(long)]
        to: String,
    },
    /// Recent exports (`GET exports`); `--all` pages through every one.
    ListExports {
        /// Page.
        #[arg(long, conflicts_with = "all")]
        page: Option<u32>,
        /// Every record.
        #[arg(long)]
        all: bool,
    },
    /// One export (`GET exports/{id}`).
    GetExport {
        /// The export's unique id.
        id: String,
    },
    /// Delete an export (`DELETE exports/{id}`).
    DeleteExport {
        /// The export's unique id.
        id: String,
    },
    /// Upload one import file as it is (`POST imports`); see `import` for checked, split imports.
    CreateImport {
        /// What the file holds.
        #[arg(value_enum)]
        resource: Resource,
        /// The JSON file (at most 4 MB).
        file: PathBuf,
    },
    /// Recent imports (`GET imports`); `--all` pages through every one.
    ListImports {
        /// Page.
        #[arg(long, conflicts_with = "all")]
        page: Option<u32>,
        /// Every record.
        #[arg(long)]
        all: bool,
    },
    /// Export, wait, and download: streamed to `-o FILE`, or the rows printed.
    Export {
        /// What to export.
        #[arg(value_enum)]
        resource: Resource,
        /// First day, YYYY-MM-DD.
        #[arg(long)]
        from: String,
        /// Last day, YYYY-MM-DD.
        #[arg(long)]
        to: String,
        /// Write the file here (streamed); without it the rows are printed.
        #[arg(short, long)]
        output: Option<PathBuf>,
        /// Seconds between polls of the job.
        #[arg(long, default_value_t = 1.0)]
        poll_interval: f64,
        /// Longest wait for the job, in seconds.
        #[arg(long, default_value_t = 1800.0)]
        wait: f64,
    },
    /// Import a file of rows: checked, split into files of at most 4 MB, uploaded, waited for.
    Import {
        /// What the file holds.
        #[arg(value_enum)]
        resource: Resource,
        /// The JSON array of rows, in the import format.
        file: PathBuf,
        /// Largest file uploaded, in bytes.
        #[arg(long, default_value_t = qiscus::workflows::DEFAULT_IMPORT_FILE_BYTES)]
        max_file_bytes: u64,
        /// Refuse references to users, rooms or comments not in the file or listed with
        /// `--existing-*` (by default the server checks them).
        #[arg(long)]
        strict: bool,
        /// An e-mail of a user already on the server (repeat, or separate with commas).
        #[arg(long = "existing-email", value_delimiter = ',')]
        existing_emails: Vec<String>,
        /// A UniqueId of a room already on the server (repeat, or separate with commas).
        #[arg(long = "existing-room", value_delimiter = ',')]
        existing_rooms: Vec<String>,
        /// A UniqueId of a comment already on the server (repeat, or separate with commas).
        #[arg(long = "existing-comment", value_delimiter = ',')]
        existing_comments: Vec<String>,
        /// Seconds between polls of a job.
        #[arg(long, default_value_t = 0.5)]
        poll_interval: f64,
        /// Check the rows and print the files that would be uploaded, sending nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Verify a webhook body read from stdin against its signature and print the event.
    VerifyWebhook {
        /// The signature token from the dashboard.
        #[arg(long, env = "QISCUS_WEBHOOK_TOKEN", hide_env_values = true)]
        token: String,
        /// The `QISCUS-SDK-SIGNATURE` header's value.
        #[arg(long)]
        signature: Option<String>,
    },
    /// Run a local emulator of the API until Ctrl-C.
    Emulator {
        /// Address to listen on (port 0 picks a free one).
        #[arg(long, default_value = "127.0.0.1:0")]
        addr: SocketAddr,
        /// Where to POST webhooks for comments posted through REST.
        #[arg(long)]
        webhook_url: Option<String>,
        /// Key of the webhooks' `QISCUS-SDK-SIGNATURE`.
        #[arg(long, hide_env_values = true, env = "QISCUS_WEBHOOK_TOKEN")]
        webhook_token: Option<String>,
        /// Milliseconds an export job takes.
        #[arg(long, default_value_t = 200)]
        export_delay_ms: u64,
    },
}

#[derive(ValueEnum, Clone, Copy, Debug)]
enum Platform {
    Ios,
    Android,
}

#[derive(ValueEnum, Clone, Copy, Debug)]
enum Kind {
    Single,
    Group,
}

#[derive(ValueEnum, Clone, Copy, Debug)]
enum Resource {
    Users,
    Rooms,
    Comments,
}

impl From<Resource> for BackupResource {
    fn from(r: Resource) -> Self {
        match r {
            Resource::Users => BackupResource::Users,
            Resource::Rooms => BackupResource::Rooms,
            Resource::Comments => BackupResource::Comments,
        }
    }
}

#[derive(ValueEnum, Clone, Copy, Debug)]
#[value(rename_all = "snake_case")]
enum EventKind {
    CreateRoom,
    AddMember,
    JoinRoom,
    RemoveMember,
    LeftRoom,
    ChangeRoomName,
    ChangeRoomAvatar,
    Custom,
}

fn parse_json(s: &str) -> Result<Value, String> {
    serde_json::from_str(s).map_err(|e| format!("not JSON: {e}"))
}

/// A failure with its exit code.
enum Failure {
    /// Usage: bad or missing arguments, input refused before sending. Exit 2.
    Usage(String),
    /// Anything else. Exit 1.
    Failed(String),
}

impl From<qiscus::Error> for Failure {
    fn from(e: qiscus::Error) -> Self {
        match e {
            qiscus::Error::InvalidInput { .. } | qiscus::Error::Config { .. } => {
                Failure::Usage(e.to_string())
            }
            other => Failure::Failed(other.to_string()),
        }
    }
}

type Outcome = Result<(), Failure>;

fn print(global: &Global, value: &impl Serialize) -> Outcome {
    let text = if global.compact {
        serde_json::to_string(value)
    } else {
        serde_json::to_string_pretty(value)
    }
    .map_err(|e| Failure::Failed(format!("cannot print the result: {e}")))?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "{text}")
        .and_then(|_| out.flush())
        .map_err(|e| Failure::Failed(format!("cannot write to stdout: {e}")))
}

fn client(global: &Global) -> Result<Client, Failure> {
    let app_id = global
        .app_id
        .clone()
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| {
            Failure::Usage("missing credentials: pass --app-id or set QISCUS_APP_ID".into())
        })?;
    let secret = global
        .secret
        .clone()
        .filter(|s| !s.is_empty())
        .ok_or_else(|| {
            Failure::Usage("missing credentials: pass --secret or set QISCUS_SECRET".into())
        })?;
    let mut b = Client::builder(app_id, secret).timeout(Duration::from_secs(global.timeout.max(1)));
    if let Some(url) = global.base_url.clone().filter(|s| !s.trim().is_empty()) {
        b = b.base_url(url);
    }
    Ok(b.build()?)
}

fn seconds(s: f64, what: &str) -> Result<Duration, Failure> {
    Duration::try_from_secs_f64(s)
        .map_err(|_| Failure::Usage(format!("{what}: not a duration: {s}")))
}

fn bar_style(template: &str) -> ProgressStyle {
    ProgressStyle::with_template(template).unwrap_or_else(|_| ProgressStyle::default_bar())
}

/// A progress bar on stderr (hidden when stderr is not a terminal) driven by workflow updates.
fn progress_bar() -> (ProgressBar, qiscus::ProgressCallback) {
    let bar = ProgressBar::new_spinner();
    bar.enable_steady_tick(Duration::from_millis(120));
    let b = bar.clone();
    let listener = move |p: BackupProgress| match p.stage {
        BackupStage::Requested => b.set_message(format!("requested export {}", p.job_id)),
        BackupStage::Waiting => b.set_message(format!(
            "waiting for export {}: {:.0}%",
            p.job_id, p.percentage
        )),
        BackupStage::Downloading => {
            if let Some(total) = p.bytes_total {
                if b.length() != Some(total) {
                    b.set_style(bar_style(
                        "{spinner} downloading [{bar:30}] {bytes}/{total_bytes} {msg}",
                    ));
                    b.set_length(total);
                }
            }
            b.set_position(p.bytes_done);
            b.set_message(format!("{} rows", p.rows_done));
        }
        BackupStage::Uploading | BackupStage::Importing => {
            if b.length() != Some(u64::from(p.files_total)) {
                b.set_style(bar_style(
                    "{spinner} importing [{bar:30}] {pos}/{len} files {msg}",
                ));
                b.set_length(u64::from(p.files_total));
            }
            b.set_position(u64::from(p.files_done));
            b.set_message(format!("{} rows imported", p.rows_done));
        }
        BackupStage::Finished => b.set_message("done"),
    };
    (bar, Arc::new(listener))
}

async fn run(cli: Cli) -> Outcome {
    let g = &cli.global;
    match cli.command {
        Command::VerifyWebhook { token, signature } => {
            let mut body = Vec::new();
            std::io::stdin()
                .read_to_end(&mut body)
                .map_err(|e| Failure::Failed(format!("cannot read stdin: {e}")))?;
            let event =
                qiscus::webhooks::verify_and_parse(token.as_bytes(), &body, signature.as_deref())
                    .map_err(|e| Failure::Failed(e.to_string()))?;
            print(g, &event)
        }
        Command::Emulator {
            addr,
            webhook_url,
            webhook_token,
            export_delay_ms,
        } => {
            let mut config = qiscus_emulator::EmulatorConfig {
                addr,
                webhook_url,
                webhook_token,
                export_delay: Duration::from_millis(export_delay_ms),
                ..Default::default()
            };
            if let Some(a) = g.app_id.clone().filter(|s| !s.is_empty()) {
                config.app_id = a;
            }
            let default_secret = g.secret.as_deref().map_or(true, str::is_empty);
            if let Some(s) = g.secret.clone().filter(|s| !s.is_empty()) {
                config.secret = s;
            }
            let handle = qiscus_emulator::Emulator::start(config)
                .await
                .map_err(|e| Failure::Failed(format!("cannot listen on {addr}: {e}")))?;
            println!("listening on {}", handle.base_url());
            let _ = std::io::stdout().flush();
            eprintln!(
                "app id {:?}; secret {}; Ctrl-C stops",
                handle.app_id(),
                if default_secret {
                    "the default \"emulator-secret\"".to_owned()
                } else {
                    "as given".to_owned()
                }
            );
            tokio::signal::ctrl_c()
                .await
                .map_err(|e| Failure::Failed(format!("cannot wait for Ctrl-C: {e}")))?;
            handle.shutdown().await;
            Ok(())
        }
        command => run_api(g, command).await,
    }
}

async fn run_api(g: &Global, command: Command) -> Outcome {
    let c = client(g)?;
    match command {
        Command::LoginOrRegister {
            email,
            username,
            password,
            avatar_url,
            device_token,
            device_platform,
        } => {
            let mut p = LoginOrRegisterParams::new(email, username);
            p.password = password;
            p.avatar_url = avatar_url;
            p.device_token = device_token;
            p.device_platform = device_platform.map(|d| match d {
                Platform::Ios => DevicePlatform::Ios,
                Platform::Android => DevicePlatform::Android,
            });
            print(g, &c.login_or_register(&p).await?)
        }
        Command::UserProfile { email } => print(g, &c.user_profile(&email).await?),
        Command::ResetUserToken { email } => print(g, &c.reset_user_token(&email).await?),
        Command::GetUserRooms {
            email,
            page,
            all,
            show_participants,
            room_type,
        } => {
            let params = GetUserRoomsParams {
                user_email: email,
                page,
                show_participants,
                room_type: room_type.map(|k| match k {
                    Kind::Single => RoomType::Single,
                    Kind::Group => RoomType::Group,
                }),
            };
            if all {
                let mut pager = c.user_rooms_pager(params);
                let mut rooms = Vec::new();
                while let Some(page) = pager.next_page().await? {
                    rooms.extend(page);
                }
                print(g, &rooms)
            } else {
                print(g, &c.get_user_rooms(&params).await?)
            }
        }
        Command::CreateRoom {
            name,
            creator,
            participants,
            avatar_url,
        } => {
            let mut p = CreateRoomParams::new(name, creator, participants);
            p.avatar_url = avatar_url;
            print(g, &c.create_room(&p).await?)
        }
        Command::UpdateRoom {
            email,
            room,
            name,
            avatar_url,
            options,
        } => {
            let mut p = UpdateRoomParams::new(email, room);
            p.room_name = name;
            p.room_avatar_url = avatar_url;
            p.options = options;
            print(g, &c.update_room(&p).await?)
        }
        Command::GetOrCreateRoomWithTarget { emails } => {
            print(g, &c.get_or_create_room_with_target(&emails).await?)
        }
        Command::GetRoomsInfo {
            email,
            rooms,
            show_participants,
        } => {
            let p = GetRoomsInfoParams {
                user_email: email,
                room_ids: rooms,
                show_participants,
            };
            print(g, &c.get_rooms_info(&p).await?)
        }
        Command::AddRoomParticipants { room, emails } => {
            print(g, &c.add_room_participants(room, &emails).await?)
        }
        Command::RemoveRoomParticipants { room, emails } => {
            print(g, &c.remove_room_participants(room, &emails).await?)
        }
        Command::PostComment {
            room,
            sender,
            text,
            kind,
            payload,
            unique_temp_id,
            disable_link_preview,
        } => {
            let payload = Payload::from_wire(Some(&kind), payload);
            let mut p = PostCommentParams::new(room, sender, text, payload);
            p.unique_temp_id = unique_temp_id;
            p.disable_link_preview = disable_link_preview;
            print(g, &c.post_comment(&p).await?)
        }
        Command::LoadComments {
            room,
            page,
            limit,
            all,
            stop_at_id,
            max_count,
        } => {
            if all {
                let mut pager = c.comments_pager(CommentsPagerParams {
                    room_id: room,
                    limit,
                    stop_at_id,
                    max_count,
                });
                let mut comments = Vec::new();
                while let Some(page) = pager.next_page().await? {
                    comments.extend(page);
                }
                print(g, &comments)
            } else {
                let p = LoadCommentsParams {
                    room_id: room,
                    page,
                    limit,
                };
                print(g, &c.load_comments(&p).await?)
            }
        }
        Command::PostSystemEventMessage {
            room,
            subject,
            event,
            room_name,
            object_emails,
            payload,
            message,
        } => {
            let need_name = || {
                room_name
                    .clone()
                    .ok_or_else(|| Failure::Usage("this event needs --room-name".into()))
            };
            let event = match event {
                EventKind::CreateRoom => SystemEvent::CreateRoom {
                    room_name: need_name()?,
                },
                EventKind::ChangeRoomName => SystemEvent::ChangeRoomName {
                    room_name: need_name()?,
                },
                EventKind::AddMember => SystemEvent::AddMember { object_emails },
                EventKind::RemoveMember => SystemEvent::RemoveMember { object_emails },
                EventKind::JoinRoom => SystemEvent::JoinRoom,
                EventKind::LeftRoom => SystemEvent::LeftRoom,
                EventKind::ChangeRoomAvatar => SystemEvent::ChangeRoomAvatar,
                EventKind::Custom => SystemEvent::Custom {
                    payload: payload
                        .ok_or_else(|| Failure::Usage("a custom event needs --payload".into()))?,
                    message,
                },
            };
            let p = SystemEventParams {
                room_id: room,
                subject_email: subject,
                event,
            };
            print(g, &c.post_system_event_message(&p).await?)
        }
        Command::SearchMessages { email, query, room } => {
            let mut p = SearchMessagesParams::new(email, query);
            p.room_id = room;
            print(g, &c.search_messages(&p).await?)
        }
        Command::CreateExport { resource, from, to } => {
            let p = CreateExportParams {
                resource: resource.into(),
                start_date: from,
                end_date: to,
            };
            print(g, &c.create_export(&p).await?)
        }
        Command::ListExports { page, all } => {
            if all {
                let mut pager = c.exports_pager();
                let mut out = Vec::new();
                while let Some(page) = pager.next_page().await? {
                    out.extend(page);
                }
                print(g, &out)
            } else {
                print(g, &c.list_exports(page).await?)
            }
        }
        Command::GetExport { id } => print(g, &c.get_export(&id).await?),
        Command::DeleteExport { id } => print(g, &c.delete_export(&id).await?),
        Command::CreateImport { resource, file } => {
            let contents = std::fs::read(&file)
                .map_err(|e| Failure::Usage(format!("cannot read {}: {e}", file.display())))?;
            let file_name = file
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| "import.json".into());
            let p = CreateImportParams {
                resource: resource.into(),
                file_name,
                contents,
            };
            print(g, &c.create_import(&p).await?)
        }
        Command::ListImports { page, all } => {
            if all {
                let mut pager = c.imports_pager();
                let mut out = Vec::new();
                while let Some(page) = pager.next_page().await? {
                    out.extend(page);
                }
                print(g, &out)
            } else {
                print(g, &c.list_imports(page).await?)
            }
        }
        Command::Export {
            resource,
            from,
            to,
            output,
            poll_interval,
            wait,
        } => {
            let (bar, listener) = progress_bar();
            let opts = ExportOptions {
                poll_interval: seconds(poll_interval, "--poll-interval")?,
                timeout: seconds(wait, "--wait")?,
                on_progress: Some(listener),
            };
            let resource = BackupResource::from(resource);
            match output {
                Some(path) => {
                    let r = c.export_to_file(resource, &from, &to, &path, &opts).await;
                    bar.finish_and_clear();
                    print(g, &r?)
                }
                None => {
                    let r = c.export_and_download(resource, &from, &to, &opts).await;
                    bar.finish_and_clear();
                    print(g, &r?.to_json())
                }
            }
        }
        Command::Import {
            resource,
            file,
            max_file_bytes,
            strict,
            existing_emails,
            existing_rooms,
            existing_comments,
            poll_interval,
            dry_run,
        } => {
            let bytes = std::fs::read(&file)
                .map_err(|e| Failure::Usage(format!("cannot read {}: {e}", file.display())))?;
            let rows = BackupRows::from_json(resource.into(), &bytes)
                .map_err(|e| Failure::Usage(format!("{}: {e}", file.display())))?;
            let batch = ImportBatch::from(rows);
            let (bar, listener) = progress_bar();
            let opts = ImportOptions {
                poll_interval: seconds(poll_interval, "--poll-interval")?,
                max_file_bytes,
                on_progress: Some(listener),
                existing_emails,
                existing_room_unique_ids: existing_rooms,
                existing_comment_unique_ids: existing_comments,
                assume_references_exist: !strict,
                ..ImportOptions::default()
            };
            if dry_run {
                bar.finish_and_clear();
                let problems = batch.validate(&opts);
                if !problems.is_empty() {
                    let list: Vec<String> = problems.iter().map(ToString::to_string).collect();
                    return Err(Failure::Usage(format!(
                        "{} problem(s):\n  {}",
                        problems.len(),
                        list.join("\n  ")
                    )));
                }
                let files = batch.split_into_files(max_file_bytes)?;
                let plan: Vec<Value> = files
                    .iter()
                    .map(|f| {
                        serde_json::json!({
                            "resource": f.resource,
                            "file_name": f.file_name,
                            "bytes": f.contents.len(),
                            "rows": f.row_indices.len(),
                        })
                    })
                    .collect();
                return print(g, &plan);
            }
            let r = c.import_rows(&batch, &opts).await;
            bar.finish_and_clear();
            let report = r?;
            if !report.row_errors.is_empty() {
                eprintln!(
                    "warning: the server refused {} row(s); see row_errors",
                    report.row_errors.len()
                );
            }
            print(g, &report)
        }
        Command::VerifyWebhook { .. } | Command::Emulator { .. } => {
            unreachable!("handled before a client is built")
        }
    }
}

fn main() -> ExitCode {
    // clap exits with 2 on usage errors (and 0 for --help/--version).
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::from(1);
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Usage(m)) => {
            eprintln!("error: {m}");
            ExitCode::from(2)
        }
        Err(Failure::Failed(m)) => {
            eprintln!("error: {m}");
            ExitCode::from(1)
        }
    }
}
