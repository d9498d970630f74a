# The typed surface of `qiscus`: written by bindings/python/stubgen.py from the
# UniFFI-generated modules in qiscus/_native/. Do not edit; run `python stubgen.py`.
# (The test suite fails when this file and the generated code disagree.)
import datetime
import enum
import types
import typing

__version__: str

JsonValue = typing.Any
Timestamp = str
Duration = datetime.timedelta
_C = typing.TypeVar('_C', bound='Client')
_T = typing.TypeVar('_T')

class InternalError(Exception): ...


class AccountLinkingPayload:
    """Payload of an `account_linking` comment."""
    text: str
    url: str
    redirect_url: str
    params: typing.Optional[JsonValue]
    def __init__(self, *, text: str, url: str, redirect_url: str, params: typing.Optional[JsonValue]) -> None: ...
    def __eq__(self, other: object) -> bool: ...


class BackupStage(enum.Enum):
    """What a backup workflow is doing."""
    REQUESTED = 0
    WAITING = 1
    DOWNLOADING = 2
    UPLOADING = 3
    IMPORTING = 4
    FINISHED = 5


class BackupResource(enum.Enum):
    """What a backup or import holds."""
    USERS = 0
    ROOMS = 1
    COMMENTS = 2


class BackupProgress:
    """Progress of an export or an import, passed to a [`ProgressListener`]."""
    stage: BackupStage
    resource: BackupResource
    job_id: str
    percentage: float
    bytes_done: int
    bytes_total: typing.Optional[int]
    files_done: int
    files_total: int
    rows_done: int
    def __init__(self, *, stage: BackupStage, resource: BackupResource, job_id: str, percentage: float, bytes_done: int, bytes_total: typing.Optional[int], files_done: int, files_total: int, rows_done: int) -> None: ...
    def __eq__(self, other: object) -> bool: ...


class ButtonAction:
    """The action of a [`Button`]."""
    url: typing.Optional[str]
    method: typing.Optional[str]
    payload: typing.Optional[JsonValue]
    def __init__(self, *, url: typing.Optional[str], method: typing.Optional[str], payload: typing.Optional[JsonValue]) -> None: ...
    def __eq__(self, other: object) -> bool: ...


class Button:
    """A button of a `buttons`, `card` or `carousel` comment."""
    label: str
    button_type: str
    payload: ButtonAction
    def __init__(self, *, label: str, button_type: str, payload: ButtonAction) -> None: ...
    def __eq__(self, other: object) -> bool: ...


class ButtonPostbackResponsePayload:
    """Payload of a `button_postback_response` comment."""
    url: typing.Optional[str]
    method: typing.Optional[str]
    payload: typing.Optional[JsonValue]
    def __init__(self, *, url: typing.Optional[str], method: typing.Optional[str], payload: typing.Optional[JsonValue]) -> None: ...
    def __eq__(self, other: object) -> bool: ...


class ButtonsPayload:
    """Payload of a `buttons` comment."""
    text: str
    buttons: typing.List[Button]
    def __init__(self, *, text: str, buttons: typing.List[Button]) -> None: ...
    def __eq__(self, other: object) -> bool: ...


class CardPayload:
    """Payload of a `card` comment. The image goes out as `image_url` and comes back as `image`
    (as the spec shows); both decode into `image`.
    """
    text: str
    image: str
    title: str
    description: str
    url: str
    buttons: typing.List[Button]
    def __init__(self, *, text: str, image: str, title: str, description: str, url: str, buttons: typing.List[Button]) -> None: ...
    def __eq__(self, other: object) -> bool: ...


class CarouselCard:
    """One card of a `carousel` comment."""
    image: str
    title: str
    description: str
    default_action: typing.Optional[JsonValue]
    buttons: typing.List[Button]
    def __init__(self, *, image: str, title: str, description: str, default_action: typing.Optional[JsonValue], buttons: typing.List[Button]) -> None: ...
    def __eq__(self, other: object) -> bool: ...


class CarouselPayload:
    """Payload of a `carousel` comment."""
    cards: typing.List[CarouselCard]
    def __init__(self, *, cards: typing.List[CarouselCard]) -> None: ...
    def __eq__(self, other: object) -> bool: ...


class ClientOptions:
    """Client settings a step asks for; `None` keeps the runner's default (the emulator's URL and
    secret, `max_retries = 0`).
    """
    secret: typing.Optional[str]
    base_url: typing.Optional[str]
    max_retries: typing.Optional[int]
    timeout_ms: typing.Optional[int]
    max_response_bytes: typing.Optional[int]
    retry_base_delay_ms: typing.Optional[int]
    def __init__(self, *, secret: typing.Optional[str], base_url: typing.Optional[str], max_retries: typing.Optional[int], timeout_ms: typing.Optional[int], max_response_bytes: typing.Optional[int], retry_base_delay_ms: typing.Optional[int]) -> None: ...
    def __eq__(self, other: object) -> bool: ...


class ReplyPayload:
    """Payload of a `reply` comment."""
    text: str
    replied_comment_id: int
    replied_comment_message: typing.Optional[str]
    replied_comment_sender_email: typing.Optional[str]
    def __init__(self, *, text: str, replied_comment_id: int, replied_comment_message: typing.Optional[str] = ..., replied_comment_sender_email: typing.Optional[str] = ...) -> None: ...
    def __eq__(self, other: object) -> bool: ...


class CustomPayload:
    """Payload of a `custom` comment: returned exactly as posted."""
    custom_type: str
    content: JsonValue
    def __init__(self, *, custom_type: str, content: JsonValue) -> None: ...
    def __eq__(self, other: object) -> bool: ...


class LocationPayload:
    """Payload of a `location` comment."""
    name: str
    address: str
    latitude: float
    longitude: float
    map_url: str
    def __init__(self, *, name: str, address: str, latitude: float, longitude: float, map_url: str) -> None: ...
    def __eq__(self, other: object) -> bool: ...


class ContactPersonPayload:
    """Payload of a `contact_person` comment."""
    name: str
    value: str
    contact_type: typing.Optional[str]
    def __init__(self, *, name: str, value: str, contact_type: typing.Optional[str]) -> None: ...
    def __eq__(self, other: object) -> bool: ...


class FileAttachmentPayload:
    """Payload of a `file_attachment` comment."""
    url: str
    caption: typing.Optional[str]
    file_name: typing.Optional[str]
    size: typing.Optional[int]
    pages: typing.Optional[int]
    def __init__(self, *, url: str, caption: typing.Optional[str], file_name: typing.Optional[str], size: typing.Optional[int], pages: typing.Optional[int]) -> None: ...
    def __eq__(self, other: object) -> bool: ...


class SystemEventPayload:
    """Payload of a `system_event` comment. The documented keys are typed; anything else (a custom
    event's own keys) is kept in `extra`.
    """
    event_type: str
    subject_username: typing.Optional[str]
    subject_email: typing.Optional[str]
    object_username: typing.Optional[str]
    object_email: typing.Optional[str]
    room_name: typing.Optional[str]
    extra: typing.Optional[JsonValue]
    def __init__(self, *, event_type: str, subject_username: typing.Optional[str], subject_email: typing.Optional[str], object_username: typing.Optional[str], object_email: typing.Optional[str], room_name: typing.Optional[str], extra: typing.Optional[JsonValue]) -> None: ...
    def __eq__(self, other: object) -> bool: ...


class Payload:
    """The typed payload of a comment, one variant per comment type."""
    class TEXT(Payload):
        """`text`: the comment's `message` is the content; no payload."""
        def __init__(self) -> None: ...
        def __eq__(self, other: object) -> bool: ...
    class REPLY(Payload):
        """`reply`: a reply to another comment."""
        def __getitem__(self, index: typing.Literal[0]) -> ReplyPayload: ...
        def __init__(self, _0: ReplyPayload, /) -> None: ...
        def __eq__(self, other: object) -> bool: ...
    class ACCOUNT_LINKING(Payload):
        """`account_linking`: a login link."""
        def __getitem__(self, index: typing.Literal[0]) -> AccountLinkingPayload: ...
        def __init__(self, _0: AccountLinkingPayload, /) -> None: ...
        def __eq__(self, other: object) -> bool: ...
    class BUTTONS(Payload):
        """`buttons`: text with buttons."""
        def __getitem__(self, index: typing.Literal[0]) -> ButtonsPayload: ...
        def __init__(self, _0: ButtonsPayload, /) -> None: ...
        def __eq__(self, other: object) -> bool: ...
    class CARD(Payload):
        """`card`: a product card."""
        def __getitem__(self, index: typing.Literal[0]) -> CardPayload: ...
        def __init__(self, _0: CardPayload, /) -> None: ...
        def __eq__(self, other: object) -> bool: ...
    class CAROUSEL(Payload):
        """`carousel`: several cards."""
        def __getitem__(self, index: typing.Literal[0]) -> CarouselPayload: ...
        def __init__(self, _0: CarouselPayload, /) -> None: ...
        def __eq__(self, other: object) -> bool: ...
    class CUSTOM(Payload):
        """`custom`: a sub type of the caller's and any JSON content."""
        def __getitem__(self, index: typing.Literal[0]) -> CustomPayload: ...
        def __init__(self, _0: CustomPayload, /) -> None: ...
        def __eq__(self, other: object) -> bool: ...
    class LOCATION(Payload):
        """`location`: a place; the server writes the message as name + address + map URL."""
        def __getitem__(self, index: typing.Literal[0]) -> LocationPayload: ...
        def __init__(self, _0: LocationPayload, /) -> None: ...
        def __eq__(self, other: object) -> bool: ...
    class CONTACT_PERSON(Payload):
        """`contact_person`: a contact; the server writes the message as `name - value`."""
        def __getitem__(self, index: typing.Literal[0]) -> ContactPersonPayload: ...
        def __init__(self, _0: ContactPersonPayload, /) -> None: ...
        def __eq__(self, other: object) -> bool: ...
    class FILE_ATTACHMENT(Payload):
        """`file_attachment`: a file; the message reads `[file] URL [/file]`."""
        def __getitem__(self, index: typing.Literal[0]) -> FileAttachmentPayload: ...
        def __init__(self, _0: FileAttachmentPayload, /) -> None: ...
        def __eq__(self, other: object) -> bool: ...
    class BUTTON_POSTBACK_RESPONSE(Payload):
        """`button_postback_response`: the answer to a postback button."""
        def __getitem__(self, index: typing.Literal[0]) -> ButtonPostbackResponsePayload: ...
        def __init__(self, _0: ButtonPostbackResponsePayload, /) -> None: ...
        def __eq__(self, other: object) -> bool: ...
    class SYSTEM_EVENT(Payload):
        """`system_event`: posted only through `post_system_event_message`."""
        def __getitem__(self, index: typing.Literal[0]) -> SystemEventPayload: ...
        def __init__(self, _0: SystemEventPayload, /) -> None: ...
        def __eq__(self, other: object) -> bool: ...
    class UNKNOWN(Payload):
        """Any other type, or a known type whose payload did not decode: kept whole."""
        type_name: str
        payload: typing.Optional[JsonValue]
        def __init__(self, type_name: str, payload: typing.Optional[JsonValue]) -> None: ...
        def __eq__(self, other: object) -> bool: ...
    def is_TEXT(self) -> bool: ...
    def is_text(self) -> bool: ...
    def is_REPLY(self) -> bool: ...
    def is_reply(self) -> bool: ...
    def is_ACCOUNT_LINKING(self) -> bool: ...
    def is_account_linking(self) -> bool: ...
    def is_BUTTONS(self) -> bool: ...
    def is_buttons(self) -> bool: ...
    def is_CARD(self) -> bool: ...
    def is_card(self) -> bool: ...
    def is_CAROUSEL(self) -> bool: ...
    def is_carousel(self) -> bool: ...
    def is_CUSTOM(self) -> bool: ...
    def is_custom(self) -> bool: ...
    def is_LOCATION(self) -> bool: ...
    def is_location(self) -> bool: ...
    def is_CONTACT_PERSON(self) -> bool: ...
    def is_contact_person(self) -> bool: ...
    def is_FILE_ATTACHMENT(self) -> bool: ...
    def is_file_attachment(self) -> bool: ...
    def is_BUTTON_POSTBACK_RESPONSE(self) -> bool: ...
    def is_button_postback_response(self) -> bool: ...
    def is_SYSTEM_EVENT(self) -> bool: ...
    def is_system_event(self) -> bool: ...
    def is_UNKNOWN(self) -> bool: ...
    def is_unknown(self) -> bool: ...


class Comment:
    """A comment (message), as every call that returns comments sends it.

    The wire's `type` and `payload` are one typed [`Payload`]. Fields that only some calls send
    (`room_name` and `chat_type` from search, `user_id` from system events, ...) are `None`
    elsewhere.
    """
    id: int
    comment_before_id: int
    message: str
    payload: Payload
    unique_temp_id: typing.Optional[str]
    disable_link_preview: bool
    email: str
    username: typing.Optional[str]
    user_avatar_url: typing.Optional[str]
    user_id: typing.Optional[int]
    room_id: typing.Optional[int]
    room_name: typing.Optional[str]
    chat_type: typing.Optional[str]
    topic_id: typing.Optional[int]
    timestamp: typing.Optional[Timestamp]
    unix_timestamp: typing.Optional[int]
    def __init__(self, *, id: int, comment_before_id: int, message: str, payload: Payload, unique_temp_id: typing.Optional[str], disable_link_preview: bool, email: str, username: typing.Optional[str], user_avatar_url: typing.Optional[str], user_id: typing.Optional[int], room_id: typing.Optional[int], room_name: typing.Optional[str], chat_type: typing.Optional[str], topic_id: typing.Optional[int], timestamp: typing.Optional[Timestamp], unix_timestamp: typing.Optional[int]) -> None: ...
    def __eq__(self, other: object) -> bool: ...


class CommentRow:
    """A comment row: `{Message, DisableLinkPreview, Type, UniqueId, CreatorEmail, RoomUniqueId,
    CreatedAt, Payload, ParentCommentUniqueId}`.
    """
    message: str
    disable_link_preview: bool
    comment_type: str
    unique_id: str
    creator_email: str
    room_unique_id: str
    created_at: str
    payload: typing.Optional[JsonValue]
    parent_comment_unique_id: str
    def __init__(self, *, message: str, disable_link_preview: bool = False, comment_type: str = '', unique_id: str, creator_email: str, room_unique_id: str, created_at: str = '', payload: typing.Optional[JsonValue] = ..., parent_comment_unique_id: str = '') -> None: ...
    def __eq__(self, other: object) -> bool: ...


class CommentsPagerParams:
    """What [`Client::comments_pager`] reads."""
    room_id: int
    limit: typing.Optional[int]
    stop_at_id: typing.Optional[int]
    max_count: typing.Optional[int]
    def __init__(self, *, room_id: int, limit: typing.Optional[int] = ..., stop_at_id: typing.Optional[int] = ..., max_count: typing.Optional[int] = ...) -> None: ...
    def __eq__(self, other: object) -> bool: ...


class DevicePlatform(enum.Enum):
    """Device platform for push notifications."""
    IOS = 0
    ANDROID = 1


class LoginOrRegisterParams:
    """Arguments of [`Client::login_or_register`]."""
    email: str
    username: str
    password: typing.Optional[str]
    avatar_url: typing.Optional[str]
    device_token: typing.Optional[str]
    device_platform: typing.Optional[DevicePlatform]
    def __init__(self, *, email: str, username: str, password: typing.Optional[str] = ..., avatar_url: typing.Optional[str] = ..., device_token: typing.Optional[str] = ..., device_platform: typing.Optional[DevicePlatform] = ...) -> None: ...
    def __eq__(self, other: object) -> bool: ...


class RoomType(enum.Enum):
    """Type of a room."""
    SINGLE = 0
    GROUP = 1


class GetUserRoomsParams:
    """Arguments of [`Client::get_user_rooms`]."""
    user_email: str
    page: typing.Optional[int]
    show_participants: bool
    room_type: typing.Optional[RoomType]
    def __init__(self, *, user_email: str, page: typing.Optional[int] = ..., show_participants: bool = False, room_type: typing.Optional[RoomType] = ...) -> None: ...
    def __eq__(self, other: object) -> bool: ...


class CreateRoomParams:
    """Arguments of [`Client::create_room`]."""
    name: str
    participants: typing.List[str]
    creator: str
    avatar_url: typing.Optional[str]
    def __init__(self, *, name: str, participants: typing.List[str], creator: str, avatar_url: typing.Optional[str] = ...) -> None: ...
    def __eq__(self, other: object) -> bool: ...


class UpdateRoomParams:
    """Arguments of [`Client::update_room`]."""
    user_email: str
    room_id: int
    room_name: typing.Optional[str]
    room_avatar_url: typing.Optional[str]
    options: typing.Optional[JsonValue]
    def __init__(self, *, user_email: str, room_id: int, room_name: typing.Optional[str] = ..., room_avatar_url: typing.Optional[str] = ..., options: typing.Optional[JsonValue] = ...) -> None: ...
    def __eq__(self, other: object) -> bool: ...


class GetRoomsInfoParams:
    """Arguments of [`Client::get_rooms_info`]."""
    user_email: str
    room_ids: typing.List[int]
    show_participants: bool
    def __init__(self, *, user_email: str, room_ids: typing.List[int], show_participants: bool = False) -> None: ...
    def __eq__(self, other: object) -> bool: ...


class PostCommentParams:
    """Arguments of [`Client::post_comment`]."""
    room_id: int
    sender_email: str
    message: str
    payload: Payload
    unique_temp_id: typing.Optional[str]
    disable_link_preview: bool
    def __init__(self, *, room_id: int, sender_email: str, message: str, payload: Payload, unique_temp_id: typing.Optional[str] = ..., disable_link_preview: bool = False) -> None: ...
    def __eq__(self, other: object) -> bool: ...


class LoadCommentsParams:
    """Arguments of [`Client::load_comments`]."""
    room_id: int
    page: typing.Optional[int]
    limit: typing.Optional[int]
    def __init__(self, *, room_id: int, page: typing.Optional[int] = ..., limit: typing.Optional[int] = ...) -> None: ...
    def __eq__(self, other: object) -> bool: ...


class SystemEvent:
    """Which system event to post, with the data each one needs."""
    class CREATE_ROOM(SystemEvent):
        """"Ucup created room 'Qiscus'"."""
        room_name: str
        def __init__(self, room_name: str) -> None: ...
        def __eq__(self, other: object) -> bool: ...
    class ADD_MEMBER(SystemEvent):
        """"Ucup added Ani"."""
        object_emails: typing.List[str]
        def __init__(self, object_emails: typing.List[str]) -> None: ...
        def __eq__(self, other: object) -> bool: ...
    class JOIN_ROOM(SystemEvent):
        """"Ucup joined room"."""
        def __init__(self) -> None: ...
        def __eq__(self, other: object) -> bool: ...
    class REMOVE_MEMBER(SystemEvent):
        """"Ucup removed Ani"."""
        object_emails: typing.List[str]
        def __init__(self, object_emails: typing.List[str]) -> None: ...
        def __eq__(self, other: object) -> bool: ...
    class LEFT_ROOM(SystemEvent):
        """"Ucup left room"."""
        def __init__(self) -> None: ...
        def __eq__(self, other: object) -> bool: ...
    class CHANGE_ROOM_NAME(SystemEvent):
        """"Ucup changed room name to 'X'"."""
        room_name: str
        def __init__(self, room_name: str) -> None: ...
        def __eq__(self, other: object) -> bool: ...
    class CHANGE_ROOM_AVATAR(SystemEvent):
        """"Ucup changed room avatar"."""
        def __init__(self) -> None: ...
        def __eq__(self, other: object) -> bool: ...
    class CUSTOM(SystemEvent):
        """A custom event, posted by the System user; the payload comes back as given."""
        payload: JsonValue
        message: typing.Optional[str]
        def __init__(self, payload: JsonValue, message: typing.Optional[str]) -> None: ...
        def __eq__(self, other: object) -> bool: ...
    def is_CREATE_ROOM(self) -> bool: ...
    def is_create_room(self) -> bool: ...
    def is_ADD_MEMBER(self) -> bool: ...
    def is_add_member(self) -> bool: ...
    def is_JOIN_ROOM(self) -> bool: ...
    def is_join_room(self) -> bool: ...
    def is_REMOVE_MEMBER(self) -> bool: ...
    def is_remove_member(self) -> bool: ...
    def is_LEFT_ROOM(self) -> bool: ...
    def is_left_room(self) -> bool: ...
    def is_CHANGE_ROOM_NAME(self) -> bool: ...
    def is_change_room_name(self) -> bool: ...
    def is_CHANGE_ROOM_AVATAR(self) -> bool: ...
    def is_change_room_avatar(self) -> bool: ...
    def is_CUSTOM(self) -> bool: ...
    def is_custom(self) -> bool: ...


class SystemEventParams:
    """Arguments of [`Client::post_system_event_message`]."""
    room_id: int
    subject_email: str
    event: SystemEvent
    def __init__(self, *, room_id: int, subject_email: str, event: SystemEvent) -> None: ...
    def __eq__(self, other: object) -> bool: ...


class SearchMessagesParams:
    """Arguments of [`Client::search_messages`]."""
    user_email: str
    query: str
    room_id: typing.Optional[int]
    def __init__(self, *, user_email: str, query: str, room_id: typing.Optional[int] = ...) -> None: ...
    def __eq__(self, other: object) -> bool: ...


class CreateExportParams:
    """Arguments of [`Client::create_export`]."""
    resource: BackupResource
    start_date: str
    end_date: str
    def __init__(self, *, resource: BackupResource, start_date: str, end_date: str) -> None: ...
    def __eq__(self, other: object) -> bool: ...


class Export:
    """An export job (`backup_history`)."""
    unique_id: str
    status: str
    percentage: float
    resource_name: str
    download_url: str
    original_filename: str
    size: int
    total_rows: int
    error_message: str
    created_at: typing.Optional[Timestamp]
    def __init__(self, *, unique_id: str, status: str, percentage: float, resource_name: str, download_url: str, original_filename: str, size: int, total_rows: int, error_message: str, created_at: typing.Optional[Timestamp]) -> None: ...
    def __eq__(self, other: object) -> bool: ...


class CreateImportParams:
    """Arguments of [`Client::create_import`]."""
    resource: BackupResource
    file_name: str
    contents: bytes
    def __init__(self, *, resource: BackupResource, file_name: str, contents: bytes) -> None: ...
    def __eq__(self, other: object) -> bool: ...


class UserRow:
    """A user row: `{Email, Name, AvatarUrl, AuthenticationToken, Password, CreateAt}`.

    Unknown keys are ignored; `null` and absent strings read as `""` (which the server fills in:
    a random token and password, the default avatar, the e-mail's local part as name, now).
    """
    email: str
    name: str
    avatar_url: str
    authentication_token: str
    password: str
    created_at: str
    def __init__(self, *, email: str, name: str = '', avatar_url: str = '', authentication_token: str = '', password: str = '', created_at: str = '') -> None: ...
    def __eq__(self, other: object) -> bool: ...


class RoomRow:
    """A room row: `{Name, Type, Options, CreatorEmail, CreatedAt, AvatarUrl, UniqueId,
    ParticipantEmails}`.
    """
    name: str
    room_type: str
    options: str
    creator_email: str
    created_at: str
    avatar_url: str
    unique_id: str
    participant_emails: typing.List[str]
    def __init__(self, *, name: str = '', room_type: str, options: str = '', creator_email: str, created_at: str = '', avatar_url: str = '', unique_id: str, participant_emails: typing.List[str]) -> None: ...
    def __eq__(self, other: object) -> bool: ...


class ImportBatch:
    """Rows to import. Users are imported first, then rooms, then comments."""
    users: typing.List[UserRow]
    rooms: typing.List[RoomRow]
    comments: typing.List[CommentRow]
    def __init__(self, *, users: typing.List[UserRow] = ..., rooms: typing.List[RoomRow] = ..., comments: typing.List[CommentRow] = ...) -> None: ...
    def __eq__(self, other: object) -> bool: ...


class ConformanceCall:
    """A call of the library, with its arguments: one variant per client method (pagers are
    collected to the end), webhook helper, and emulator admin request.
    """
    class LOGIN_OR_REGISTER(ConformanceCall):
        params: LoginOrRegisterParams
        def __init__(self, params: LoginOrRegisterParams) -> None: ...
        def __eq__(self, other: object) -> bool: ...
    class USER_PROFILE(ConformanceCall):
        user_email: str
        def __init__(self, user_email: str) -> None: ...
        def __eq__(self, other: object) -> bool: ...
    class RESET_USER_TOKEN(ConformanceCall):
        user_email: str
        def __init__(self, user_email: str) -> None: ...
        def __eq__(self, other: object) -> bool: ...
    class GET_USER_ROOMS(ConformanceCall):
        params: GetUserRoomsParams
        def __init__(self, params: GetUserRoomsParams) -> None: ...
        def __eq__(self, other: object) -> bool: ...
    class CREATE_ROOM(ConformanceCall):
        params: CreateRoomParams
        def __init__(self, params: CreateRoomParams) -> None: ...
        def __eq__(self, other: object) -> bool: ...
    class UPDATE_ROOM(ConformanceCall):
        params: UpdateRoomParams
        def __init__(self, params: UpdateRoomParams) -> None: ...
        def __eq__(self, other: object) -> bool: ...
    class GET_OR_CREATE_ROOM_WITH_TARGET(ConformanceCall):
        emails: typing.List[str]
        def __init__(self, emails: typing.List[str]) -> None: ...
        def __eq__(self, other: object) -> bool: ...
    class GET_ROOMS_INFO(ConformanceCall):
        params: GetRoomsInfoParams
        def __init__(self, params: GetRoomsInfoParams) -> None: ...
        def __eq__(self, other: object) -> bool: ...
    class ADD_ROOM_PARTICIPANTS(ConformanceCall):
        room_id: int
        emails: typing.List[str]
        def __init__(self, room_id: int, emails: typing.List[str]) -> None: ...
        def __eq__(self, other: object) -> bool: ...
    class REMOVE_ROOM_PARTICIPANTS(ConformanceCall):
        room_id: int
        emails: typing.List[str]
        def __init__(self, room_id: int, emails: typing.List[str]) -> None: ...
        def __eq__(self, other: object) -> bool: ...
    class POST_COMMENT(ConformanceCall):
        params: PostCommentParams
        def __init__(self, params: PostCommentParams) -> None: ...
        def __eq__(self, other: object) -> bool: ...
    class LOAD_COMMENTS(ConformanceCall):
        params: LoadCommentsParams
        def __init__(self, params: LoadCommentsParams) -> None: ...
        def __eq__(self, other: object) -> bool: ...
    class POST_SYSTEM_EVENT_MESSAGE(ConformanceCall):
        params: SystemEventParams
        def __init__(self, params: SystemEventParams) -> None: ...
        def __eq__(self, other: object) -> bool: ...
    class SEARCH_MESSAGES(ConformanceCall):
        params: SearchMessagesParams
        def __init__(self, params: SearchMessagesParams) -> None: ...
        def __eq__(self, other: object) -> bool: ...
    class CREATE_EXPORT(ConformanceCall):
        params: CreateExportParams
        def __init__(self, params: CreateExportParams) -> None: ...
        def __eq__(self, other: object) -> bool: ...
    class LIST_EXPORTS(ConformanceCall):
        page: typing.Optional[int]
        def __init__(self, page: typing.Optional[int]) -> None: ...
        def __eq__(self, other: object) -> bool: ...
    class GET_EXPORT(ConformanceCall):
        unique_id: str
        def __init__(self, unique_id: str) -> None: ...
        def __eq__(self, other: object) -> bool: ...
    class DELETE_EXPORT(ConformanceCall):
        unique_id: str
        def __init__(self, unique_id: str) -> None: ...
        def __eq__(self, other: object) -> bool: ...
    class DOWNLOAD_EXPORT(ConformanceCall):
        export: Export
        def __init__(self, export: Export) -> None: ...
        def __eq__(self, other: object) -> bool: ...
    class CREATE_IMPORT(ConformanceCall):
        params: CreateImportParams
        def __init__(self, params: CreateImportParams) -> None: ...
        def __eq__(self, other: object) -> bool: ...
    class LIST_IMPORTS(ConformanceCall):
        page: typing.Optional[int]
        def __init__(self, page: typing.Optional[int]) -> None: ...
        def __eq__(self, other: object) -> bool: ...
    class EXPORT_AND_DOWNLOAD(ConformanceCall):
        resource: BackupResource
        start_date: str
        end_date: str
        poll_interval_ms: int
        timeout_ms: int
        def __init__(self, resource: BackupResource, start_date: str, end_date: str, poll_interval_ms: int, timeout_ms: int) -> None: ...
        def __eq__(self, other: object) -> bool: ...
    class IMPORT_ROWS(ConformanceCall):
        batch: ImportBatch
        max_file_bytes: int
        poll_interval_ms: int
        timeout_ms: int
        def __init__(self, batch: ImportBatch, max_file_bytes: int, poll_interval_ms: int, timeout_ms: int) -> None: ...
        def __eq__(self, other: object) -> bool: ...
    class ROOMS_PAGER(ConformanceCall):
        """Every page of `rooms_pager(user_email)`."""
        user_email: str
        def __init__(self, user_email: str) -> None: ...
        def __eq__(self, other: object) -> bool: ...
    class COMMENTS_PAGER(ConformanceCall):
        """Every page of `comments_pager(params)`."""
        params: CommentsPagerParams
        def __init__(self, params: CommentsPagerParams) -> None: ...
        def __eq__(self, other: object) -> bool: ...
    class EXPORTS_PAGER(ConformanceCall):
        """Every page of `exports_pager()`."""
        def __init__(self) -> None: ...
        def __eq__(self, other: object) -> bool: ...
    class IMPORTS_PAGER(ConformanceCall):
        """Every page of `imports_pager()`."""
        def __init__(self) -> None: ...
        def __eq__(self, other: object) -> bool: ...
    class SIGN_WEBHOOK_BODY(ConformanceCall):
        token: bytes
        body: bytes
        def __init__(self, token: bytes, body: bytes) -> None: ...
        def __eq__(self, other: object) -> bool: ...
    class VERIFY_WEBHOOK_SIGNATURE(ConformanceCall):
        token: bytes
        body: bytes
        signature: typing.Optional[str]
        def __init__(self, token: bytes, body: bytes, signature: typing.Optional[str]) -> None: ...
        def __eq__(self, other: object) -> bool: ...
    class PARSE_WEBHOOK_EVENT(ConformanceCall):
        body: bytes
        def __init__(self, body: bytes) -> None: ...
        def __eq__(self, other: object) -> bool: ...
    class RECEIVE_WEBHOOK(ConformanceCall):
        token: bytes
        headers: typing.Dict[str, str]
        body: bytes
        def __init__(self, token: bytes, headers: typing.Dict[str, str], body: bytes) -> None: ...
        def __eq__(self, other: object) -> bool: ...
    class TIMESTAMP_TO_UNIX_MILLIS(ConformanceCall):
        timestamp: str
        def __init__(self, timestamp: str) -> None: ...
        def __eq__(self, other: object) -> bool: ...
    class EMULATOR(ConformanceCall):
        """An HTTP request to the emulator's admin API (`path` starts with `/_emulator/`), sent by
        the runner with its own HTTP client; `body_json` goes as `application/json`.
        """
        method: str
        path: str
        body_json: typing.Optional[str]
        def __init__(self, method: str, path: str, body_json: typing.Optional[str]) -> None: ...
        def __eq__(self, other: object) -> bool: ...
    def is_LOGIN_OR_REGISTER(self) -> bool: ...
    def is_login_or_register(self) -> bool: ...
    def is_USER_PROFILE(self) -> bool: ...
    def is_user_profile(self) -> bool: ...
    def is_RESET_USER_TOKEN(self) -> bool: ...
    def is_reset_user_token(self) -> bool: ...
    def is_GET_USER_ROOMS(self) -> bool: ...
    def is_get_user_rooms(self) -> bool: ...
    def is_CREATE_ROOM(self) -> bool: ...
    def is_create_room(self) -> bool: ...
    def is_UPDATE_ROOM(self) -> bool: ...
    def is_update_room(self) -> bool: ...
    def is_GET_OR_CREATE_ROOM_WITH_TARGET(self) -> bool: ...
    def is_get_or_create_room_with_target(self) -> bool: ...
    def is_GET_ROOMS_INFO(self) -> bool: ...
    def is_get_rooms_info(self) -> bool: ...
    def is_ADD_ROOM_PARTICIPANTS(self) -> bool: ...
    def is_add_room_participants(self) -> bool: ...
    def is_REMOVE_ROOM_PARTICIPANTS(self) -> bool: ...
    def is_remove_room_participants(self) -> bool: ...
    def is_POST_COMMENT(self) -> bool: ...
    def is_post_comment(self) -> bool: ...
    def is_LOAD_COMMENTS(self) -> bool: ...
    def is_load_comments(self) -> bool: ...
    def is_POST_SYSTEM_EVENT_MESSAGE(self) -> bool: ...
    def is_post_system_event_message(self) -> bool: ...
    def is_SEARCH_MESSAGES(self) -> bool: ...
    def is_search_messages(self) -> bool: ...
    def is_CREATE_EXPORT(self) -> bool: ...
    def is_create_export(self) -> bool: ...
    def is_LIST_EXPORTS(self) -> bool: ...
    def is_list_exports(self) -> bool: ...
    def is_GET_EXPORT(self) -> bool: ...
    def is_get_export(self) -> bool: ...
    def is_DELETE_EXPORT(self) -> bool: ...
    def is_delete_export(self) -> bool: ...
    def is_DOWNLOAD_EXPORT(self) -> bool: ...
    def is_download_export(self) -> bool: ...
    def is_CREATE_IMPORT(self) -> bool: ...
    def is_create_import(self) -> bool: ...
    def is_LIST_IMPORTS(self) -> bool: ...
    def is_list_imports(self) -> bool: ...
    def is_EXPORT_AND_DOWNLOAD(self) -> bool: ...
    def is_export_and_download(self) -> bool: ...
    def is_IMPORT_ROWS(self) -> bool: ...
    def is_import_rows(self) -> bool: ...
    def is_ROOMS_PAGER(self) -> bool: ...
    def is_rooms_pager(self) -> bool: ...
    def is_COMMENTS_PAGER(self) -> bool: ...
    def is_comments_pager(self) -> bool: ...
    def is_EXPORTS_PAGER(self) -> bool: ...
    def is_exports_pager(self) -> bool: ...
    def is_IMPORTS_PAGER(self) -> bool: ...
    def is_imports_pager(self) -> bool: ...
    def is_SIGN_WEBHOOK_BODY(self) -> bool: ...
    def is_sign_webhook_body(self) -> bool: ...
    def is_VERIFY_WEBHOOK_SIGNATURE(self) -> bool: ...
    def is_verify_webhook_signature(self) -> bool: ...
    def is_PARSE_WEBHOOK_EVENT(self) -> bool: ...
    def is_parse_webhook_event(self) -> bool: ...
    def is_RECEIVE_WEBHOOK(self) -> bool: ...
    def is_receive_webhook(self) -> bool: ...
    def is_TIMESTAMP_TO_UNIX_MILLIS(self) -> bool: ...
    def is_timestamp_to_unix_millis(self) -> bool: ...
    def is_EMULATOR(self) -> bool: ...
    def is_emulator(self) -> bool: ...


class ConformanceStep:
    """One step to run: the call with its arguments resolved, and the client to run it with."""
    index: int
    call: ConformanceCall
    client: typing.Optional[ClientOptions]
    def __init__(self, *, index: int, call: ConformanceCall, client: typing.Optional[ClientOptions]) -> None: ...
    def __eq__(self, other: object) -> bool: ...


class DownloadStats:
    """Size and row count of a streamed download ([`Client::download_export_to`])."""
    bytes: int
    rows: int
    def __init__(self, *, bytes: int, rows: int) -> None: ...
    def __eq__(self, other: object) -> bool: ...


class ExportedFile:
    """An export written to a file by [`Client::export_to_file`]."""
    export: Export
    path: str
    bytes: int
    rows: int
    def __init__(self, *, export: Export, path: str, bytes: int, rows: int) -> None: ...
    def __eq__(self, other: object) -> bool: ...


class ImportErrors:
    """Errors an import reported: `{"Message": "...", "Data": ...}`."""
    summary: str
    data: typing.Optional[JsonValue]
    def __init__(self, *, summary: str, data: typing.Optional[JsonValue]) -> None: ...
    def __eq__(self, other: object) -> bool: ...


class Import:
    """An import job (`backup_history` of `imports`)."""
    unique_id: str
    status: str
    resource_name: str
    original_filename: str
    size: int
    total_rows: int
    errors: ImportErrors
    created_at: typing.Optional[Timestamp]
    def __init__(self, *, unique_id: str, status: str, resource_name: str, original_filename: str, size: int, total_rows: int, errors: ImportErrors, created_at: typing.Optional[Timestamp]) -> None: ...
    def __eq__(self, other: object) -> bool: ...


class ImportFile:
    """One file of an import, ready to upload."""
    resource: BackupResource
    file_name: str
    contents: bytes
    row_indices: typing.List[int]
    def __init__(self, *, resource: BackupResource, file_name: str, contents: bytes, row_indices: typing.List[int]) -> None: ...
    def __eq__(self, other: object) -> bool: ...


class ImportFileReport:
    """The outcome of one uploaded file."""
    resource: BackupResource
    file_name: str
    unique_id: str
    status: str
    size: int
    rows_sent: int
    rows_imported: int
    errors: ImportErrors
    def __init__(self, *, resource: BackupResource, file_name: str, unique_id: str, status: str, size: int, rows_sent: int, rows_imported: int, errors: ImportErrors) -> None: ...
    def __eq__(self, other: object) -> bool: ...


class ImportRowError:
    """A per-row error the server reported for an import file."""
    resource: BackupResource
    file_name: str
    row_in_file: typing.Optional[int]
    index: typing.Optional[int]
    error: str
    def __init__(self, *, resource: BackupResource, file_name: str, row_in_file: typing.Optional[int], index: typing.Optional[int], error: str) -> None: ...
    def __eq__(self, other: object) -> bool: ...


class ImportReport:
    """What [`Client::import_rows`] did."""
    files_uploaded: int
    users_imported: int
    rooms_imported: int
    comments_imported: int
    files: typing.List[ImportFileReport]
    row_errors: typing.List[ImportRowError]
    def __init__(self, *, files_uploaded: int, users_imported: int, rooms_imported: int, comments_imported: int, files: typing.List[ImportFileReport], row_errors: typing.List[ImportRowError]) -> None: ...
    def __eq__(self, other: object) -> bool: ...


class ObservedError:
    """An error as the runner saw it in its language: the variant's name and its fields."""
    kind: str
    call: typing.Optional[str]
    status: typing.Optional[int]
    field: typing.Optional[str]
    reason: typing.Optional[str]
    detailed_messages: typing.List[str]
    attempts: typing.Optional[int]
    retry_after_ms: typing.Optional[int]
    limit_bytes: typing.Optional[int]
    def __init__(self, *, kind: str, call: typing.Optional[str] = ..., status: typing.Optional[int] = ..., field: typing.Optional[str] = ..., reason: typing.Optional[str] = ..., detailed_messages: typing.List[str] = ..., attempts: typing.Optional[int] = ..., retry_after_ms: typing.Optional[int] = ..., limit_bytes: typing.Optional[int] = ...) -> None: ...
    def __eq__(self, other: object) -> bool: ...


class Participant:
    """A participant of a room. The server sends either a bare e-mail or an object; both decode
    here, with the object's fields `None` for a bare e-mail.
    """
    email: str
    id: typing.Optional[int]
    username: typing.Optional[str]
    avatar_url: typing.Optional[str]
    last_comment_read_id: typing.Optional[int]
    last_comment_received_id: typing.Optional[int]
    def __init__(self, *, email: str, id: typing.Optional[int], username: typing.Optional[str], avatar_url: typing.Optional[str], last_comment_read_id: typing.Optional[int], last_comment_received_id: typing.Optional[int]) -> None: ...
    def __eq__(self, other: object) -> bool: ...


class Room:
    """A room as `update_room` and `get_or_create_room_with_target` return it."""
    id: int
    room_name: str
    chat_type: str
    avatar_url: typing.Optional[str]
    options: typing.Optional[JsonValue]
    last_comment_id: int
    last_comment_message: str
    last_topic_id: int
    participants: typing.List[Participant]
    def __init__(self, *, id: int, room_name: str, chat_type: str, avatar_url: typing.Optional[str], options: typing.Optional[JsonValue], last_comment_id: int, last_comment_message: str, last_topic_id: int, participants: typing.List[Participant]) -> None: ...
    def __eq__(self, other: object) -> bool: ...


class RoomInfo:
    """One room of `get_user_rooms` or `get_rooms_info`."""
    room_id: int
    room_name: str
    room_type: str
    room_avatar_url: typing.Optional[str]
    last_comment_id: int
    last_comment_message: str
    last_comment_timestamp: typing.Optional[Timestamp]
    unread_count: int
    participants: typing.Optional[typing.List[Participant]]
    def __init__(self, *, room_id: int, room_name: str, room_type: str, room_avatar_url: typing.Optional[str], last_comment_id: int, last_comment_message: str, last_comment_timestamp: typing.Optional[Timestamp], unread_count: int, participants: typing.Optional[typing.List[Participant]]) -> None: ...
    def __eq__(self, other: object) -> bool: ...


class RoomSummary:
    """What `create_room`, `add_room_participants` and `remove_room_participants` return."""
    room_id: int
    room_name: str
    room_type: str
    creator: typing.Optional[str]
    participants: typing.List[Participant]
    def __init__(self, *, room_id: int, room_name: str, room_type: str, creator: typing.Optional[str], participants: typing.List[Participant]) -> None: ...
    def __eq__(self, other: object) -> bool: ...


class RoomWithComments:
    """What `get_or_create_room_with_target` returns: the room and its latest comments."""
    room: Room
    comments: typing.List[Comment]
    def __init__(self, *, room: Room, comments: typing.List[Comment]) -> None: ...
    def __eq__(self, other: object) -> bool: ...


class RoomsMeta:
    """Paging information of [`UserRooms`]."""
    current_page: int
    total_room: int
    def __init__(self, *, current_page: int, total_room: int) -> None: ...
    def __eq__(self, other: object) -> bool: ...


class RowProblem:
    """A row refused before anything was sent."""
    resource: BackupResource
    index: int
    field: str
    reason: str
    def __init__(self, *, resource: BackupResource, index: int, field: str, reason: str) -> None: ...
    def __eq__(self, other: object) -> bool: ...


class UpdatedRoom:
    """What `update_room` returns."""
    changed: bool
    room: Room
    comments: typing.List[Comment]
    def __init__(self, *, changed: bool, room: Room, comments: typing.List[Comment]) -> None: ...
    def __eq__(self, other: object) -> bool: ...


class UserApp:
    """The `app` object the live service nests in a user."""
    code: typing.Optional[str]
    id: typing.Optional[int]
    name: typing.Optional[str]
    def __init__(self, *, code: typing.Optional[str], id: typing.Optional[int], name: typing.Optional[str]) -> None: ...
    def __eq__(self, other: object) -> bool: ...


class User:
    """A user as `login_or_register`, `user_profile` and `reset_user_token` return it."""
    id: int
    email: str
    username: typing.Optional[str]
    avatar_url: typing.Optional[str]
    token: typing.Optional[str]
    last_comment_id: typing.Optional[int]
    pn_android_configured: typing.Optional[bool]
    pn_ios_configured: typing.Optional[bool]
    rt_key: typing.Optional[str]
    app: typing.Optional[UserApp]
    def __init__(self, *, id: int, email: str, username: typing.Optional[str], avatar_url: typing.Optional[str], token: typing.Optional[str], last_comment_id: typing.Optional[int], pn_android_configured: typing.Optional[bool], pn_ios_configured: typing.Optional[bool], rt_key: typing.Optional[str], app: typing.Optional[UserApp]) -> None: ...
    def __eq__(self, other: object) -> bool: ...


class UserRooms:
    """A page of [`Client::get_user_rooms`]."""
    meta: typing.Optional[RoomsMeta]
    rooms_info: typing.List[RoomInfo]
    def __init__(self, *, meta: typing.Optional[RoomsMeta], rooms_info: typing.List[RoomInfo]) -> None: ...
    def __eq__(self, other: object) -> bool: ...


class WebhookSender:
    """The sender of a webhook's comment."""
    id: typing.Optional[int]
    email: str
    name: typing.Optional[str]
    avatar_url: typing.Optional[str]
    def __init__(self, *, id: typing.Optional[int], email: str, name: typing.Optional[str], avatar_url: typing.Optional[str]) -> None: ...
    def __eq__(self, other: object) -> bool: ...


class WebhookRoom:
    """The room of a webhook's comment."""
    id: int
    topic_id: typing.Optional[int]
    room_type: str
    name: str
    room_avatar: typing.Optional[str]
    participants: typing.List[Participant]
    def __init__(self, *, id: int, topic_id: typing.Optional[int], room_type: str, name: str, room_avatar: typing.Optional[str], participants: typing.List[Participant]) -> None: ...
    def __eq__(self, other: object) -> bool: ...


class WebhookMessage:
    """The comment of a webhook."""
    id: typing.Optional[int]
    comment_before_id: typing.Optional[int]
    text: str
    payload: Payload
    unique_temp_id: typing.Optional[str]
    disable_link_preview: bool
    created_at: typing.Optional[Timestamp]
    timestamp: typing.Optional[Timestamp]
    unix_timestamp: typing.Optional[int]
    def __init__(self, *, id: typing.Optional[int], comment_before_id: typing.Optional[int], text: str, payload: Payload, unique_temp_id: typing.Optional[str], disable_link_preview: bool, created_at: typing.Optional[Timestamp], timestamp: typing.Optional[Timestamp], unix_timestamp: typing.Optional[int]) -> None: ...
    def __eq__(self, other: object) -> bool: ...


class WebhookPayload:
    """`payload` of a [`WebhookEvent`]."""
    _from: WebhookSender
    room: WebhookRoom
    message: WebhookMessage
    def __init__(self, *, _from: WebhookSender, room: WebhookRoom, message: WebhookMessage) -> None: ...
    def __eq__(self, other: object) -> bool: ...


class WebhookEvent:
    """A webhook body: `{"type": ..., "payload": {"from", "room", "message"}}`."""
    event_type: str
    payload: WebhookPayload
    def __init__(self, *, event_type: str, payload: WebhookPayload) -> None: ...
    def __eq__(self, other: object) -> bool: ...


class BackupRows:
    """The rows of one export: its resource's typed rows."""
    class USERS(BackupRows):
        """An export of users."""
        rows: typing.List[UserRow]
        def __init__(self, rows: typing.List[UserRow]) -> None: ...
        def __eq__(self, other: object) -> bool: ...
    class ROOMS(BackupRows):
        """An export of rooms."""
        rows: typing.List[RoomRow]
        def __init__(self, rows: typing.List[RoomRow]) -> None: ...
        def __eq__(self, other: object) -> bool: ...
    class COMMENTS(BackupRows):
        """An export of comments."""
        rows: typing.List[CommentRow]
        def __init__(self, rows: typing.List[CommentRow]) -> None: ...
        def __eq__(self, other: object) -> bool: ...
    def is_USERS(self) -> bool: ...
    def is_users(self) -> bool: ...
    def is_ROOMS(self) -> bool: ...
    def is_rooms(self) -> bool: ...
    def is_COMMENTS(self) -> bool: ...
    def is_comments(self) -> bool: ...


class ConformanceOutcome:
    """What a call returned, wrapped by the runner in the variant of its type."""
    class OF_USER(ConformanceOutcome):
        value: User
        def __init__(self, value: User) -> None: ...
        def __eq__(self, other: object) -> bool: ...
    class OF_USER_ROOMS(ConformanceOutcome):
        value: UserRooms
        def __init__(self, value: UserRooms) -> None: ...
        def __eq__(self, other: object) -> bool: ...
    class OF_ROOM_SUMMARY(ConformanceOutcome):
        value: RoomSummary
        def __init__(self, value: RoomSummary) -> None: ...
        def __eq__(self, other: object) -> bool: ...
    class OF_UPDATED_ROOM(ConformanceOutcome):
        value: UpdatedRoom
        def __init__(self, value: UpdatedRoom) -> None: ...
        def __eq__(self, other: object) -> bool: ...
    class OF_ROOM_WITH_COMMENTS(ConformanceOutcome):
        value: RoomWithComments
        def __init__(self, value: RoomWithComments) -> None: ...
        def __eq__(self, other: object) -> bool: ...
    class OF_ROOM_INFOS(ConformanceOutcome):
        value: typing.List[RoomInfo]
        def __init__(self, value: typing.List[RoomInfo]) -> None: ...
        def __eq__(self, other: object) -> bool: ...
    class OF_COMMENT(ConformanceOutcome):
        value: Comment
        def __init__(self, value: Comment) -> None: ...
        def __eq__(self, other: object) -> bool: ...
    class OF_COMMENTS(ConformanceOutcome):
        value: typing.List[Comment]
        def __init__(self, value: typing.List[Comment]) -> None: ...
        def __eq__(self, other: object) -> bool: ...
    class OF_EXPORT(ConformanceOutcome):
        value: Export
        def __init__(self, value: Export) -> None: ...
        def __eq__(self, other: object) -> bool: ...
    class OF_EXPORTS(ConformanceOutcome):
        value: typing.List[Export]
        def __init__(self, value: typing.List[Export]) -> None: ...
        def __eq__(self, other: object) -> bool: ...
    class OF_IMPORT(ConformanceOutcome):
        value: Import
        def __init__(self, value: Import) -> None: ...
        def __eq__(self, other: object) -> bool: ...
    class OF_IMPORTS(ConformanceOutcome):
        value: typing.List[Import]
        def __init__(self, value: typing.List[Import]) -> None: ...
        def __eq__(self, other: object) -> bool: ...
    class OF_ROWS(ConformanceOutcome):
        """`download_export`'s rows."""
        value: typing.List[JsonValue]
        def __init__(self, value: typing.List[JsonValue]) -> None: ...
        def __eq__(self, other: object) -> bool: ...
    class OF_BACKUP_ROWS(ConformanceOutcome):
        value: BackupRows
        def __init__(self, value: BackupRows) -> None: ...
        def __eq__(self, other: object) -> bool: ...
    class OF_IMPORT_REPORT(ConformanceOutcome):
        value: ImportReport
        def __init__(self, value: ImportReport) -> None: ...
        def __eq__(self, other: object) -> bool: ...
    class OF_ROOM_PAGES(ConformanceOutcome):
        value: typing.List[typing.List[RoomInfo]]
        def __init__(self, value: typing.List[typing.List[RoomInfo]]) -> None: ...
        def __eq__(self, other: object) -> bool: ...
    class OF_COMMENT_PAGES(ConformanceOutcome):
        value: typing.List[typing.List[Comment]]
        def __init__(self, value: typing.List[typing.List[Comment]]) -> None: ...
        def __eq__(self, other: object) -> bool: ...
    class OF_EXPORT_PAGES(ConformanceOutcome):
        value: typing.List[typing.List[Export]]
        def __init__(self, value: typing.List[typing.List[Export]]) -> None: ...
        def __eq__(self, other: object) -> bool: ...
    class OF_IMPORT_PAGES(ConformanceOutcome):
        value: typing.List[typing.List[Import]]
        def __init__(self, value: typing.List[typing.List[Import]]) -> None: ...
        def __eq__(self, other: object) -> bool: ...
    class OF_WEBHOOK_EVENT(ConformanceOutcome):
        value: WebhookEvent
        def __init__(self, value: WebhookEvent) -> None: ...
        def __eq__(self, other: object) -> bool: ...
    class OF_TEXT(ConformanceOutcome):
        """`sign_webhook_body`'s signature."""
        value: str
        def __init__(self, value: str) -> None: ...
        def __eq__(self, other: object) -> bool: ...
    class OF_MILLIS(ConformanceOutcome):
        """`timestamp_to_unix_millis`."""
        value: typing.Optional[int]
        def __init__(self, value: typing.Optional[int]) -> None: ...
        def __eq__(self, other: object) -> bool: ...
    class DONE(ConformanceOutcome):
        """A call that returns nothing (`verify_webhook_signature`)."""
        def __init__(self) -> None: ...
        def __eq__(self, other: object) -> bool: ...
    class OF_EMULATOR_ANSWER(ConformanceOutcome):
        """The emulator's answer to an admin request."""
        status: int
        body: str
        def __init__(self, status: int, body: str) -> None: ...
        def __eq__(self, other: object) -> bool: ...
    def is_OF_USER(self) -> bool: ...
    def is_of_user(self) -> bool: ...
    def is_OF_USER_ROOMS(self) -> bool: ...
    def is_of_user_rooms(self) -> bool: ...
    def is_OF_ROOM_SUMMARY(self) -> bool: ...
    def is_of_room_summary(self) -> bool: ...
    def is_OF_UPDATED_ROOM(self) -> bool: ...
    def is_of_updated_room(self) -> bool: ...
    def is_OF_ROOM_WITH_COMMENTS(self) -> bool: ...
    def is_of_room_with_comments(self) -> bool: ...
    def is_OF_ROOM_INFOS(self) -> bool: ...
    def is_of_room_infos(self) -> bool: ...
    def is_OF_COMMENT(self) -> bool: ...
    def is_of_comment(self) -> bool: ...
    def is_OF_COMMENTS(self) -> bool: ...
    def is_of_comments(self) -> bool: ...
    def is_OF_EXPORT(self) -> bool: ...
    def is_of_export(self) -> bool: ...
    def is_OF_EXPORTS(self) -> bool: ...
    def is_of_exports(self) -> bool: ...
    def is_OF_IMPORT(self) -> bool: ...
    def is_of_import(self) -> bool: ...
    def is_OF_IMPORTS(self) -> bool: ...
    def is_of_imports(self) -> bool: ...
    def is_OF_ROWS(self) -> bool: ...
    def is_of_rows(self) -> bool: ...
    def is_OF_BACKUP_ROWS(self) -> bool: ...
    def is_of_backup_rows(self) -> bool: ...
    def is_OF_IMPORT_REPORT(self) -> bool: ...
    def is_of_import_report(self) -> bool: ...
    def is_OF_ROOM_PAGES(self) -> bool: ...
    def is_of_room_pages(self) -> bool: ...
    def is_OF_COMMENT_PAGES(self) -> bool: ...
    def is_of_comment_pages(self) -> bool: ...
    def is_OF_EXPORT_PAGES(self) -> bool: ...
    def is_of_export_pages(self) -> bool: ...
    def is_OF_IMPORT_PAGES(self) -> bool: ...
    def is_of_import_pages(self) -> bool: ...
    def is_OF_WEBHOOK_EVENT(self) -> bool: ...
    def is_of_webhook_event(self) -> bool: ...
    def is_OF_TEXT(self) -> bool: ...
    def is_of_text(self) -> bool: ...
    def is_OF_MILLIS(self) -> bool: ...
    def is_of_millis(self) -> bool: ...
    def is_DONE(self) -> bool: ...
    def is_done(self) -> bool: ...
    def is_OF_EMULATOR_ANSWER(self) -> bool: ...
    def is_of_emulator_answer(self) -> bool: ...


class QiscusError(Exception):
    """Everything that can go wrong in a call, as one type a caller can match on.

    Network-level variants name the `call` (the spec's endpoint name, e.g. `post_comment`) so that
    a log line says what failed. No variant ever contains the secret key.

    Field names avoid `message`: the Kotlin binding turns these variants into exceptions, which
    already inherit a `message` property.
    """
    class Api(QiscusError):
        """The server answered with an error status not covered by a more specific variant."""
        call: str
        status: int
        reason: str
        detailed_messages: typing.List[str]
        body_excerpt: typing.Optional[str]
        attempts: int
        history: typing.List[str]
        def __init__(self, call: str, status: int, reason: str, detailed_messages: typing.List[str], body_excerpt: typing.Optional[str], attempts: int, history: typing.List[str]) -> None: ...
    class Unauthorized(QiscusError):
        """401: the secret key or app id was refused."""
        call: str
        reason: str
        detailed_messages: typing.List[str]
        def __init__(self, call: str, reason: str, detailed_messages: typing.List[str]) -> None: ...
    class NotFound(QiscusError):
        """404: the user, room or backup does not exist."""
        call: str
        reason: str
        detailed_messages: typing.List[str]
        def __init__(self, call: str, reason: str, detailed_messages: typing.List[str]) -> None: ...
    class RateLimited(QiscusError):
        """429: too many requests. `retry_after` holds the server's `Retry-After`, when sent."""
        call: str
        retry_after: typing.Optional[datetime.timedelta]
        reason: str
        attempts: int
        history: typing.List[str]
        def __init__(self, call: str, retry_after: typing.Optional[datetime.timedelta], reason: str, attempts: int, history: typing.List[str]) -> None: ...
    class Timeout(QiscusError):
        """The request did not complete within the configured timeout."""
        call: str
        attempts: int
        history: typing.List[str]
        def __init__(self, call: str, attempts: int, history: typing.List[str]) -> None: ...
    class Connection(QiscusError):
        """The connection failed (refused, reset, DNS, TLS, closed before a response)."""
        call: str
        reason: str
        attempts: int
        history: typing.List[str]
        def __init__(self, call: str, reason: str, attempts: int, history: typing.List[str]) -> None: ...
    class Decode(QiscusError):
        """A response (or webhook body) could not be decoded into the documented shape."""
        call: str
        reason: str
        body_excerpt: str
        def __init__(self, call: str, reason: str, body_excerpt: str) -> None: ...
    class ResponseTooLarge(QiscusError):
        """The response body was larger than the configured limit; it was not buffered."""
        call: str
        limit_bytes: int
        def __init__(self, call: str, limit_bytes: int) -> None: ...
    class InvalidInput(QiscusError):
        """An argument was refused before anything was sent."""
        field: str
        reason: str
        def __init__(self, field: str, reason: str) -> None: ...
    class InvalidSignature(QiscusError):
        """A webhook signature did not verify."""
        reason: str
        def __init__(self, reason: str) -> None: ...
    class Internal(QiscusError):
        """A bug inside the library (a panic), reported instead of crashing the host process."""
        reason: str
        def __init__(self, reason: str) -> None: ...
    class Config(QiscusError):
        """Client configuration was refused (bad base URL, plain http to a non-loopback host, ...)."""
        field: str
        reason: str
        def __init__(self, field: str, reason: str) -> None: ...


def client_from_environment() -> typing.Optional[Client]:
    """A client for the app named by the environment, with the constructor's defaults:
    `QISCUS_APP_ID` and `QISCUS_SECRET`, and `QISCUS_BASE_URL` when set (blank counts as unset).
    `None` when neither credential is set, so that a program can fall back (to an emulator, say);
    `QiscusError.Config` naming the missing variable when only one is.
    """


def debug_panic(in_task: bool) -> None:
    """For the test suites: panics inside the library, to show that a Rust panic reaches the caller
    as an error, never as a crash. `in_task` panics inside a spawned call (async path) instead of
    on the calling thread.
    """


async def debug_panic_async() -> None:
    """The async twin of [`debug_panic`]: panics inside a spawned task."""


def debug_runtime_alive_tasks() -> int:
    """Number of tasks alive on the shared runtime: lets test suites check that cancelled or
    finished calls leave nothing behind.
    """


async def debug_sleep(millis: int) -> None:
    """For the test suites: an async call that sleeps on the shared runtime, to test cancellation
    and that concurrent calls do not hold the caller's event loop.
    """


def new_unique_temp_id() -> str:
    """A fresh idempotency key for `post_comment`."""


def parse_webhook_event(body: bytes) -> WebhookEvent:
    """Parses a webhook body without checking its signature."""


def receive_webhook(token: bytes, headers: dict[str, str], body: bytes) -> WebhookEvent:
    """Finds `QISCUS-SDK-SIGNATURE` among the request's headers (any case), verifies the raw body
    and returns the typed event: the one call a webhook endpoint needs, in any web framework.
    """


def set_runtime_worker_threads(count: int) -> bool:
    """Sets how many worker threads the shared runtime starts with: for a process that has made no
    call yet. The workers drive the async calls, the timers, and the downloads and uploads; the
    blocking calls do their own I/O on their callers' threads. `QISCUS_WORKER_THREADS`, when it
    holds a positive number, still decides. Without either, the runtime has one worker per core,
    except in the Python package, which chooses one (bench/RESULTS.md, fix 35).

    Returns `true` if the runtime is still to start (it will start with this count, unless the
    environment says otherwise), `false` if it already runs (with the count it started with). A
    count of 0 is `InvalidInput`.
    """


def sign_webhook_body(token: bytes, body: bytes) -> str:
    """The hex HMAC-SHA256 of a webhook body keyed with the signature token (the value of
    `QISCUS-SDK-SIGNATURE`), for tests that send webhooks.
    """


def timestamp_to_unix_millis(timestamp: str) -> typing.Optional[int]:
    """Parses any timestamp form the server sends into unix milliseconds (`None` if unparseable)."""


def verify_webhook_signature(token: bytes, body: bytes, signature: typing.Optional[str]) -> None:
    """Checks a `QISCUS-SDK-SIGNATURE` header against the raw body, in constant time."""


class BackupProgressListenerImpl(BackupProgressListener):
    """Hears the progress of long backup and import work. Implement it in your language (a progress
    bar, a log line); it is called from the library's threads, so keep it quick.
    """
    # No public constructor: instances come from the library.
    def on_progress(self, progress: BackupProgress) -> None:
        """One update."""


class BackupProgressListener:
    """Hears the progress of long backup and import work. Implement it in your language (a progress
    bar, a log line); it is called from the library's threads, so keep it quick.
    """
    def on_progress(self, progress: BackupProgress) -> None:
        """One update."""


class CommentsPager(CommentsPagerProtocol):
    """Pages through a room's comments, newest first."""
    # No public constructor: instances come from the library.
    async def next_page(self) -> typing.Optional[typing.List[Comment]]:
        """The next page, fetched now; `None` once every item was returned."""
    def next_page_blocking(self) -> typing.Optional[typing.List[Comment]]:
        """The next page, fetched now; `None` once every item was returned.

        Blocking form: waits on the calling thread.
        """


class CommentsPagerProtocol(typing.Protocol):
    """Pages through a room's comments, newest first."""
    async def next_page(self) -> typing.Optional[typing.List[Comment]]:
        """The next page, fetched now; `None` once every item was returned."""
    def next_page_blocking(self) -> typing.Optional[typing.List[Comment]]:
        """The next page, fetched now; `None` once every item was returned.

        Blocking form: waits on the calling thread.
        """


class ExportsPager(ExportsPagerProtocol):
    """Pages through every export record."""
    # No public constructor: instances come from the library.
    async def next_page(self) -> typing.Optional[typing.List[Export]]:
        """The next page, fetched now; `None` once every item was returned."""
    def next_page_blocking(self) -> typing.Optional[typing.List[Export]]:
        """The next page, fetched now; `None` once every item was returned.

        Blocking form: waits on the calling thread.
        """


class ExportsPagerProtocol(typing.Protocol):
    """Pages through every export record."""
    async def next_page(self) -> typing.Optional[typing.List[Export]]:
        """The next page, fetched now; `None` once every item was returned."""
    def next_page_blocking(self) -> typing.Optional[typing.List[Export]]:
        """The next page, fetched now; `None` once every item was returned.

        Blocking form: waits on the calling thread.
        """


class ImportsPager(ImportsPagerProtocol):
    """Pages through every import record."""
    # No public constructor: instances come from the library.
    async def next_page(self) -> typing.Optional[typing.List[Import]]:
        """The next page, fetched now; `None` once every item was returned."""
    def next_page_blocking(self) -> typing.Optional[typing.List[Import]]:
        """The next page, fetched now; `None` once every item was returned.

        Blocking form: waits on the calling thread.
        """


class ImportsPagerProtocol(typing.Protocol):
    """Pages through every import record."""
    async def next_page(self) -> typing.Optional[typing.List[Import]]:
        """The next page, fetched now; `None` once every item was returned."""
    def next_page_blocking(self) -> typing.Optional[typing.List[Import]]:
        """The next page, fetched now; `None` once every item was returned.

        Blocking form: waits on the calling thread.
        """


class RoomsPager(RoomsPagerProtocol):
    """Pages through every room of a user."""
    # No public constructor: instances come from the library.
    async def next_page(self) -> typing.Optional[typing.List[RoomInfo]]:
        """The next page, fetched now; `None` once every item was returned."""
    def next_page_blocking(self) -> typing.Optional[typing.List[RoomInfo]]:
        """The next page, fetched now; `None` once every item was returned.

        Blocking form: waits on the calling thread.
        """


class RoomsPagerProtocol(typing.Protocol):
    """Pages through every room of a user."""
    async def next_page(self) -> typing.Optional[typing.List[RoomInfo]]:
        """The next page, fetched now; `None` once every item was returned."""
    def next_page_blocking(self) -> typing.Optional[typing.List[RoomInfo]]:
        """The next page, fetched now; `None` once every item was returned.

        Blocking form: waits on the calling thread.
        """


class Client(ClientProtocol):
    """A Qiscus client. Cheap to share between threads and tasks; `shutdown()` (or dropping it)
    releases its connections.
    """
    def __init__(self, app_id: str, secret: str, base_url: typing.Optional[str] = ..., timeout_ms: int = 30000, connect_timeout_ms: int = 10000, max_retries: int = 2, retry_base_delay_ms: int = 100, retry_max_delay_ms: int = 2000, max_retry_after_ms: int = 10000, max_response_bytes: int = 33554432, allow_insecure_http: bool = False, retry_budget_tokens: int = 100, retry_budget_ratio: float = 0.5) -> None:
        """A client for an app. `base_url` overrides `https://{app_id}.qiscus.com` (an emulator, a
        proxy); plain http is refused unless the host is a loopback address or
        `allow_insecure_http` is set. Timeouts and delays are in milliseconds; `max_retries = 0`
        turns retries off. The retry budget (shared by this client's calls) holds
        `retry_budget_tokens`; each retryable failure takes one, each success gives back
        `retry_budget_ratio`, and retries stop while fewer than half remain.
        """
    async def add_room_participants(self, room_id: int, emails: typing.List[str]) -> RoomSummary:
        """Adds users to a group room."""
    def add_room_participants_blocking(self, room_id: int, emails: typing.List[str]) -> RoomSummary:
        """Adds users to a group room.

        Blocking form: waits on the calling thread.
        """
    def app_id(self) -> str:
        """The app id."""
    def comments_pager(self, params: CommentsPagerParams) -> CommentsPager:
        """Every comment of a room, newest first, a page at a time; optionally stopping at a comment
        id (exclusive) or after a number of comments.
        """
    async def create_export(self, params: CreateExportParams) -> Export:
        """Requests an export."""
    def create_export_blocking(self, params: CreateExportParams) -> Export:
        """Requests an export.

        Blocking form: waits on the calling thread.
        """
    async def create_import(self, params: CreateImportParams) -> Import:
        """Uploads a JSON file of users, rooms or comments."""
    def create_import_blocking(self, params: CreateImportParams) -> Import:
        """Uploads a JSON file of users, rooms or comments.

        Blocking form: waits on the calling thread.
        """
    async def create_room(self, params: CreateRoomParams) -> RoomSummary:
        """Creates a group room."""
    def create_room_blocking(self, params: CreateRoomParams) -> RoomSummary:
        """Creates a group room.

        Blocking form: waits on the calling thread.
        """
    async def delete_export(self, unique_id: str) -> Export:
        """Deletes an export."""
    def delete_export_blocking(self, unique_id: str) -> Export:
        """Deletes an export.

        Blocking form: waits on the calling thread.
        """
    async def download_export(self, export: Export) -> typing.List[JsonValue]:
        """Downloads a finished export's rows."""
    def download_export_blocking(self, export: Export) -> typing.List[JsonValue]:
        """Downloads a finished export's rows.

        Blocking form: waits on the calling thread.
        """
    async def export_and_download(self, resource: BackupResource, start_date: str, end_date: str, poll_interval_ms: int = 1000, timeout_ms: int = 1800000, listener: typing.Optional[BackupProgressListener] = ...) -> BackupRows:
        """Requests an export of `resource` created between two days (`YYYY-MM-DD`), waits for it
        (polling every `poll_interval_ms`, at most `timeout_ms`), downloads it and returns its
        typed rows. `listener` hears each step.
        """
    def export_and_download_blocking(self, resource: BackupResource, start_date: str, end_date: str, poll_interval_ms: int = 1000, timeout_ms: int = 1800000, listener: typing.Optional[BackupProgressListener] = ...) -> BackupRows:
        """Requests an export of `resource` created between two days (`YYYY-MM-DD`), waits for it
        (polling every `poll_interval_ms`, at most `timeout_ms`), downloads it and returns its
        typed rows. `listener` hears each step.

        Blocking form: waits on the calling thread.
        """
    async def export_to_file(self, resource: BackupResource, start_date: str, end_date: str, path: str, poll_interval_ms: int = 1000, timeout_ms: int = 1800000, listener: typing.Optional[BackupProgressListener] = ...) -> ExportedFile:
        """Like `export_and_download`, but streams the file to `path` without holding it in memory
        and returns what was written.
        """
    def export_to_file_blocking(self, resource: BackupResource, start_date: str, end_date: str, path: str, poll_interval_ms: int = 1000, timeout_ms: int = 1800000, listener: typing.Optional[BackupProgressListener] = ...) -> ExportedFile:
        """Like `export_and_download`, but streams the file to `path` without holding it in memory
        and returns what was written.

        Blocking form: waits on the calling thread.
        """
    def exports_pager(self) -> ExportsPager:
        """Every export record, a page (20) at a time."""
    async def get_export(self, unique_id: str) -> Export:
        """One export."""
    def get_export_blocking(self, unique_id: str) -> Export:
        """One export.

        Blocking form: waits on the calling thread.
        """
    async def get_or_create_room_with_target(self, emails: typing.List[str]) -> RoomWithComments:
        """The single room of two users, created on first use."""
    def get_or_create_room_with_target_blocking(self, emails: typing.List[str]) -> RoomWithComments:
        """The single room of two users, created on first use.

        Blocking form: waits on the calling thread.
        """
    async def get_rooms_info(self, params: GetRoomsInfoParams) -> typing.List[RoomInfo]:
        """Last comment, unread count and participants of rooms."""
    def get_rooms_info_blocking(self, params: GetRoomsInfoParams) -> typing.List[RoomInfo]:
        """Last comment, unread count and participants of rooms.

        Blocking form: waits on the calling thread.
        """
    async def get_user_rooms(self, params: GetUserRoomsParams) -> UserRooms:
        """The rooms of a user."""
    def get_user_rooms_blocking(self, params: GetUserRoomsParams) -> UserRooms:
        """The rooms of a user.

        Blocking form: waits on the calling thread.
        """
    async def import_rows(self, batch: ImportBatch, max_file_bytes: int = 4194304, poll_interval_ms: int = 500, timeout_ms: int = 600000, existing_emails: typing.List[str] = ..., existing_room_unique_ids: typing.List[str] = ..., existing_comment_unique_ids: typing.List[str] = ..., assume_references_exist: bool = False, listener: typing.Optional[BackupProgressListener] = ...) -> ImportReport:
        """Validates rows against the import rules (nothing is sent if one is bad), splits them into
        files of at most `max_file_bytes`, uploads them in order (users, rooms, comments; replies
        after their parents), waits for each import and reports per-row errors.
        """
    def import_rows_blocking(self, batch: ImportBatch, max_file_bytes: int = 4194304, poll_interval_ms: int = 500, timeout_ms: int = 600000, existing_emails: typing.List[str] = ..., existing_room_unique_ids: typing.List[str] = ..., existing_comment_unique_ids: typing.List[str] = ..., assume_references_exist: bool = False, listener: typing.Optional[BackupProgressListener] = ...) -> ImportReport:
        """Validates rows against the import rules (nothing is sent if one is bad), splits them into
        files of at most `max_file_bytes`, uploads them in order (users, rooms, comments; replies
        after their parents), waits for each import and reports per-row errors.

        Blocking form: waits on the calling thread.
        """
    def imports_pager(self) -> ImportsPager:
        """Every import record, a page (20) at a time."""
    async def list_exports(self, page: typing.Optional[int] = ...) -> typing.List[Export]:
        """Up to 20 recent exports."""
    def list_exports_blocking(self, page: typing.Optional[int] = ...) -> typing.List[Export]:
        """Up to 20 recent exports.

        Blocking form: waits on the calling thread.
        """
    async def list_imports(self, page: typing.Optional[int] = ...) -> typing.List[Import]:
        """Up to 20 recent imports."""
    def list_imports_blocking(self, page: typing.Optional[int] = ...) -> typing.List[Import]:
        """Up to 20 recent imports.

        Blocking form: waits on the calling thread.
        """
    async def load_comments(self, params: LoadCommentsParams) -> typing.List[Comment]:
        """A page of a room's comments, newest first."""
    def load_comments_blocking(self, params: LoadCommentsParams) -> typing.List[Comment]:
        """A page of a room's comments, newest first.

        Blocking form: waits on the calling thread.
        """
    async def login_or_register(self, params: LoginOrRegisterParams) -> User:
        """Creates a user, or updates one (which needs `password`)."""
    def login_or_register_blocking(self, params: LoginOrRegisterParams) -> User:
        """Creates a user, or updates one (which needs `password`).

        Blocking form: waits on the calling thread.
        """
    async def post_comment(self, params: PostCommentParams) -> Comment:
        """Posts a comment of any type but `system_event` (idempotent through `unique_temp_id`)."""
    def post_comment_blocking(self, params: PostCommentParams) -> Comment:
        """Posts a comment of any type but `system_event` (idempotent through `unique_temp_id`).

        Blocking form: waits on the calling thread.
        """
    async def post_system_event_message(self, params: SystemEventParams) -> Comment:
        """Posts a system event message."""
    def post_system_event_message_blocking(self, params: SystemEventParams) -> Comment:
        """Posts a system event message.

        Blocking form: waits on the calling thread.
        """
    async def remove_room_participants(self, room_id: int, emails: typing.List[str]) -> RoomSummary:
        """Removes users from a group room."""
    def remove_room_participants_blocking(self, room_id: int, emails: typing.List[str]) -> RoomSummary:
        """Removes users from a group room.

        Blocking form: waits on the calling thread.
        """
    async def reset_user_token(self, user_email: str) -> User:
        """Replaces a user's token."""
    def reset_user_token_blocking(self, user_email: str) -> User:
        """Replaces a user's token.

        Blocking form: waits on the calling thread.
        """
    def rooms_pager(self, user_email: str) -> RoomsPager:
        """Every room of a user, a page (20 rooms) at a time: `next_page()` fetches the next one only
        when asked and returns `None` after the last.
        """
    async def search_messages(self, params: SearchMessagesParams) -> typing.List[Comment]:
        """The last 100 comments matching a keyword in a user's rooms."""
    def search_messages_blocking(self, params: SearchMessagesParams) -> typing.List[Comment]:
        """The last 100 comments matching a keyword in a user's rooms.

        Blocking form: waits on the calling thread.
        """
    def shutdown(self) -> None:
        """Releases the client's connections; later calls fail. Calling it twice is harmless.
        (Kotlin's `close()`/`use {}` and Swift's deinit also release them.)
        """
    async def update_room(self, params: UpdateRoomParams) -> UpdatedRoom:
        """Renames a group room, or changes its avatar or options."""
    def update_room_blocking(self, params: UpdateRoomParams) -> UpdatedRoom:
        """Renames a group room, or changes its avatar or options.

        Blocking form: waits on the calling thread.
        """
    async def user_profile(self, user_email: str) -> User:
        """A user's profile."""
    def user_profile_blocking(self, user_email: str) -> User:
        """A user's profile.

        Blocking form: waits on the calling thread.
        """
    def __enter__(self: _C) -> _C:
        """Returns this client; leaving the block calls :meth:`shutdown`."""
    def __exit__(self, exc_type: typing.Optional[typing.Type[BaseException]], exc: typing.Optional[BaseException], tb: typing.Optional[types.TracebackType]) -> None:
        """Calls :meth:`shutdown`."""
    async def __aenter__(self: _C) -> _C:
        """Returns this client; leaving the block calls :meth:`shutdown`."""
    async def __aexit__(self, exc_type: typing.Optional[typing.Type[BaseException]], exc: typing.Optional[BaseException], tb: typing.Optional[types.TracebackType]) -> None:
        """Calls :meth:`shutdown`."""
    @classmethod
    def from_environment(cls: typing.Type[_C]) -> typing.Optional[_C]:
        """A client for the app named by the environment, with the constructor's defaults:
        ``QISCUS_APP_ID`` and ``QISCUS_SECRET``, and ``QISCUS_BASE_URL`` when set (blank counts
        as unset). ``None`` when neither credential is set, so that a script can fall back (to
        an emulator, say); ``QiscusError.Config`` naming the missing variable when only one is.
        """
    def with_timeout(self, timeout_ms: int) -> Client:
        """A client sharing this one's connections whose calls use another per-attempt timeout.

        Returned as this subclass, so that it is a context manager too.
        """
    def rooms(self, user_email: str) -> Paged[RoomInfo]:
        """Every room of a user (20 a page, without participants): ``for room in
        client.rooms(email)`` or ``async for room in client.rooms(email)``. Nothing is fetched
        until the first item is asked for.
        """
    def comments(self, room_id: int, limit: typing.Optional[int] = None, stop_at_id: typing.Optional[int] = None, max_count: typing.Optional[int] = None) -> Paged[Comment]:
        """Every comment of a room, newest first (ids strictly decreasing), ``limit`` (1..=100,
        default 20) a page; stopping before the first comment whose id is at most
        ``stop_at_id``, or after ``max_count`` comments. An invalid ``limit`` raises
        ``QiscusError.InvalidInput`` on the first step, before anything is sent.
        """
    def exports(self) -> Paged[Export]:
        """Every export record, newest first (20 a page)."""
    def imports(self) -> Paged[Import]:
        """Every import record, newest first (20 a page)."""


class ClientProtocol(typing.Protocol):
    """A Qiscus client. Cheap to share between threads and tasks; `shutdown()` (or dropping it)
    releases its connections.
    """
    async def add_room_participants(self, room_id: int, emails: typing.List[str]) -> RoomSummary:
        """Adds users to a group room."""
    def add_room_participants_blocking(self, room_id: int, emails: typing.List[str]) -> RoomSummary:
        """Adds users to a group room.

        Blocking form: waits on the calling thread.
        """
    def app_id(self) -> str:
        """The app id."""
    def comments_pager(self, params: CommentsPagerParams) -> CommentsPager:
        """Every comment of a room, newest first, a page at a time; optionally stopping at a comment
        id (exclusive) or after a number of comments.
        """
    async def create_export(self, params: CreateExportParams) -> Export:
        """Requests an export."""
    def create_export_blocking(self, params: CreateExportParams) -> Export:
        """Requests an export.

        Blocking form: waits on the calling thread.
        """
    async def create_import(self, params: CreateImportParams) -> Import:
        """Uploads a JSON file of users, rooms or comments."""
    def create_import_blocking(self, params: CreateImportParams) -> Import:
        """Uploads a JSON file of users, rooms or comments.

        Blocking form: waits on the calling thread.
        """
    async def create_room(self, params: CreateRoomParams) -> RoomSummary:
        """Creates a group room."""
    def create_room_blocking(self, params: CreateRoomParams) -> RoomSummary:
        """Creates a group room.

        Blocking form: waits on the calling thread.
        """
    async def delete_export(self, unique_id: str) -> Export:
        """Deletes an export."""
    def delete_export_blocking(self, unique_id: str) -> Export:
        """Deletes an export.

        Blocking form: waits on the calling thread.
        """
    async def download_export(self, export: Export) -> typing.List[JsonValue]:
        """Downloads a finished export's rows."""
    def download_export_blocking(self, export: Export) -> typing.List[JsonValue]:
        """Downloads a finished export's rows.

        Blocking form: waits on the calling thread.
        """
    async def export_and_download(self, resource: BackupResource, start_date: str, end_date: str, poll_interval_ms: int = 1000, timeout_ms: int = 1800000, listener: typing.Optional[BackupProgressListener] = ...) -> BackupRows:
        """Requests an export of `resource` created between two days (`YYYY-MM-DD`), waits for it
        (polling every `poll_interval_ms`, at most `timeout_ms`), downloads it and returns its
        typed rows. `listener` hears each step.
        """
    def export_and_download_blocking(self, resource: BackupResource, start_date: str, end_date: str, poll_interval_ms: int = 1000, timeout_ms: int = 1800000, listener: typing.Optional[BackupProgressListener] = ...) -> BackupRows:
        """Requests an export of `resource` created between two days (`YYYY-MM-DD`), waits for it
        (polling every `poll_interval_ms`, at most `timeout_ms`), downloads it and returns its
        typed rows. `listener` hears each step.

        Blocking form: waits on the calling thread.
        """
    async def export_to_file(self, resource: BackupResource, start_date: str, end_date: str, path: str, poll_interval_ms: int = 1000, timeout_ms: int = 1800000, listener: typing.Optional[BackupProgressListener] = ...) -> ExportedFile:
        """Like `export_and_download`, but streams the file to `path` without holding it in memory
        and returns what was written.
        """
    def export_to_file_blocking(self, resource: BackupResource, start_date: str, end_date: str, path: str, poll_interval_ms: int = 1000, timeout_ms: int = 1800000, listener: typing.Optional[BackupProgressListener] = ...) -> ExportedFile:
        """Like `export_and_download`, but streams the file to `path` without holding it in memory
        and returns what was written.

        Blocking form: waits on the calling thread.
        """
    def exports_pager(self) -> ExportsPager:
        """Every export record, a page (20) at a time."""
    async def get_export(self, unique_id: str) -> Export:
        """One export."""
    def get_export_blocking(self, unique_id: str) -> Export:
        """One export.

        Blocking form: waits on the calling thread.
        """
    async def get_or_create_room_with_target(self, emails: typing.List[str]) -> RoomWithComments:
        """The single room of two users, created on first use."""
    def get_or_create_room_with_target_blocking(self, emails: typing.List[str]) -> RoomWithComments:
        """The single room of two users, created on first use.

        Blocking form: waits on the calling thread.
        """
    async def get_rooms_info(self, params: GetRoomsInfoParams) -> typing.List[RoomInfo]:
        """Last comment, unread count and participants of rooms."""
    def get_rooms_info_blocking(self, params: GetRoomsInfoParams) -> typing.List[RoomInfo]:
        """Last comment, unread count and participants of rooms.

        Blocking form: waits on the calling thread.
        """
    async def get_user_rooms(self, params: GetUserRoomsParams) -> UserRooms:
        """The rooms of a user."""
    def get_user_rooms_blocking(self, params: GetUserRoomsParams) -> UserRooms:
        """The rooms of a user.

        Blocking form: waits on the calling thread.
        """
    async def import_rows(self, batch: ImportBatch, max_file_bytes: int = 4194304, poll_interval_ms: int = 500, timeout_ms: int = 600000, existing_emails: typing.List[str] = ..., existing_room_unique_ids: typing.List[str] = ..., existing_comment_unique_ids: typing.List[str] = ..., assume_references_exist: bool = False, listener: typing.Optional[BackupProgressListener] = ...) -> ImportReport:
        """Validates rows against the import rules (nothing is sent if one is bad), splits them into
        files of at most `max_file_bytes`, uploads them in order (users, rooms, comments; replies
        after their parents), waits for each import and reports per-row errors.
        """
    def import_rows_blocking(self, batch: ImportBatch, max_file_bytes: int = 4194304, poll_interval_ms: int = 500, timeout_ms: int = 600000, existing_emails: typing.List[str] = ..., existing_room_unique_ids: typing.List[str] = ..., existing_comment_unique_ids: typing.List[str] = ..., assume_references_exist: bool = False, listener: typing.Optional[BackupProgressListener] = ...) -> ImportReport:
        """Validates rows against the import rules (nothing is sent if one is bad), splits them into
        files of at most `max_file_bytes`, uploads them in order (users, rooms, comments; replies
        after their parents), waits for each import and reports per-row errors.

        Blocking form: waits on the calling thread.
        """
    def imports_pager(self) -> ImportsPager:
        """Every import record, a page (20) at a time."""
    async def list_exports(self, page: typing.Optional[int] = ...) -> typing.List[Export]:
        """Up to 20 recent exports."""
    def list_exports_blocking(self, page: typing.Optional[int] = ...) -> typing.List[Export]:
        """Up to 20 recent exports.

        Blocking form: waits on the calling thread.
        """
    async def list_imports(self, page: typing.Optional[int] = ...) -> typing.List[Import]:
        """Up to 20 recent imports."""
    def list_imports_blocking(self, page: typing.Optional[int] = ...) -> typing.List[Import]:
        """Up to 20 recent imports.

        Blocking form: waits on the calling thread.
        """
    async def load_comments(self, params: LoadCommentsParams) -> typing.List[Comment]:
        """A page of a room's comments, newest first."""
    def load_comments_blocking(self, params: LoadCommentsParams) -> typing.List[Comment]:
        """A page of a room's comments, newest first.

        Blocking form: waits on the calling thread.
        """
    async def login_or_register(self, params: LoginOrRegisterParams) -> User:
        """Creates a user, or updates one (which needs `password`)."""
    def login_or_register_blocking(self, params: LoginOrRegisterParams) -> User:
        """Creates a user, or updates one (which needs `password`).

        Blocking form: waits on the calling thread.
        """
    async def post_comment(self, params: PostCommentParams) -> Comment:
        """Posts a comment of any type but `system_event` (idempotent through `unique_temp_id`)."""
    def post_comment_blocking(self, params: PostCommentParams) -> Comment:
        """Posts a comment of any type but `system_event` (idempotent through `unique_temp_id`).

        Blocking form: waits on the calling thread.
        """
    async def post_system_event_message(self, params: SystemEventParams) -> Comment:
        """Posts a system event message."""
    def post_system_event_message_blocking(self, params: SystemEventParams) -> Comment:
        """Posts a system event message.

        Blocking form: waits on the calling thread.
        """
    async def remove_room_participants(self, room_id: int, emails: typing.List[str]) -> RoomSummary:
        """Removes users from a group room."""
    def remove_room_participants_blocking(self, room_id: int, emails: typing.List[str]) -> RoomSummary:
        """Removes users from a group room.

        Blocking form: waits on the calling thread.
        """
    async def reset_user_token(self, user_email: str) -> User:
        """Replaces a user's token."""
    def reset_user_token_blocking(self, user_email: str) -> User:
        """Replaces a user's token.

        Blocking form: waits on the calling thread.
        """
    def rooms_pager(self, user_email: str) -> RoomsPager:
        """Every room of a user, a page (20 rooms) at a time: `next_page()` fetches the next one only
        when asked and returns `None` after the last.
        """
    async def search_messages(self, params: SearchMessagesParams) -> typing.List[Comment]:
        """The last 100 comments matching a keyword in a user's rooms."""
    def search_messages_blocking(self, params: SearchMessagesParams) -> typing.List[Comment]:
        """The last 100 comments matching a keyword in a user's rooms.

        Blocking form: waits on the calling thread.
        """
    def shutdown(self) -> None:
        """Releases the client's connections; later calls fail. Calling it twice is harmless.
        (Kotlin's `close()`/`use {}` and Swift's deinit also release them.)
        """
    async def update_room(self, params: UpdateRoomParams) -> UpdatedRoom:
        """Renames a group room, or changes its avatar or options."""
    def update_room_blocking(self, params: UpdateRoomParams) -> UpdatedRoom:
        """Renames a group room, or changes its avatar or options.

        Blocking form: waits on the calling thread.
        """
    async def user_profile(self, user_email: str) -> User:
        """A user's profile."""
    def user_profile_blocking(self, user_email: str) -> User:
        """A user's profile.

        Blocking form: waits on the calling thread.
        """
    def with_timeout(self, timeout_ms: int) -> Client:
        """A client sharing this one's connections, whose calls use another per-attempt timeout."""


class ConformanceScenario(ConformanceScenarioProtocol):
    """Replays one scenario file of the conformance suite (`tests/conformance`): hands out its steps
    with their arguments built, takes each result or error, checks the file's expectations and
    writes the normalised transcript. Every language's runner uses it, so that runners differ
    only in what is native: the client, the calls and the errors.
    """
    def __init__(self, json: str, base_url: str) -> None:
        """Reads a scenario file; `base_url` is the emulator's. A malformed file is `InvalidInput`."""
    def failures(self) -> typing.List[str]:
        """Every expectation that did not hold; empty when all held."""
    def name(self) -> str:
        """The scenario's name."""
    def next_step(self) -> typing.Optional[ConformanceStep]:
        """The next step to run, or `None` after the last."""
    def record_error(self, error: ObservedError) -> None:
        """Records the error the step last handed out ended with."""
    def record_ok(self, outcome: ConformanceOutcome) -> None:
        """Records the result of the step last handed out."""
    def transcript_json(self) -> str:
        """The normalised transcript, as JSON text."""


class ConformanceScenarioProtocol(typing.Protocol):
    """Replays one scenario file of the conformance suite (`tests/conformance`): hands out its steps
    with their arguments built, takes each result or error, checks the file's expectations and
    writes the normalised transcript. Every language's runner uses it, so that runners differ
    only in what is native: the client, the calls and the errors.
    """
    def failures(self) -> typing.List[str]:
        """Every expectation that did not hold; empty when all held."""
    def name(self) -> str:
        """The scenario's name."""
    def next_step(self) -> typing.Optional[ConformanceStep]:
        """The next step to run, or `None` after the last."""
    def record_error(self, error: ObservedError) -> None:
        """Records the error the step last handed out ended with."""
    def record_ok(self, outcome: ConformanceOutcome) -> None:
        """Records the result of the step last handed out."""
    def transcript_json(self) -> str:
        """The normalised transcript, as JSON text."""


class PagerLike(typing.Protocol[_T]):
    """What :class:`Paged` reads: a generated pager (``RoomsPager``, ``CommentsPager``,
    ``ExportsPager``, ``ImportsPager``) or anything with the same two methods.
    """
    async def next_page(self) -> typing.Optional[typing.List[_T]]:
        """The next page, fetched now; ``None`` once every item was returned."""
    def next_page_blocking(self) -> typing.Optional[typing.List[_T]]:
        """The same, waiting on the calling thread."""


class Paged(typing.Generic[_T]):
    """The items of a paged list, fetched a page at a time and only when needed.

    Both a plain iterator (``for item in paged``: each page is fetched with the blocking form on
    the calling thread) and an async iterator (``async for item in paged``: with the coroutine
    form, never holding the event loop). :meth:`pages` and :meth:`async_pages` give the
    remaining items page by page instead. It is one pass over the list: every form continues
    where the last one stopped, and a list read to its end stays empty. An error (a
    ``QiscusError``) is raised from the step that needed the page; stepping again retries that
    page. Use one instance from one thread or task at a time.
    """
    def __init__(self, pager: PagerLike[_T]) -> None:
        """Items of ``pager`` (which is read only from here on)."""
    def __iter__(self) -> Paged[_T]:
        """This iterator (`for item in paged`)."""
    def __next__(self) -> _T:
        """The next item, fetching the next page (blocking) when the current one is used up."""
    def __aiter__(self) -> Paged[_T]:
        """This iterator (`async for item in paged`)."""
    async def __anext__(self) -> _T:
        """The next item, awaiting the next page when the current one is used up."""
    def pages(self) -> typing.Iterator[typing.List[_T]]:
        """The remaining items a page at a time (first what is left of the current page), with
        the blocking form.
        """
    def async_pages(self) -> typing.AsyncIterator[typing.List[_T]]:
        """The remaining items a page at a time (first what is left of the current page), with
        the coroutine form: ``async for page in paged.async_pages()``.
        """
