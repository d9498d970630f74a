//! The spec's 20 calls, each listed once: name, verb, path and how safely it can be retried.

/// HTTP verb of a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Method {
    Get,
    Post,
    Delete,
}

/// How a call may be retried after a failure (see [`crate::RetryPolicy`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Retry {
    /// Reads: always safe to repeat.
    Safe,
    /// Upserts: repeating converges on the same state.
    Upsert,
    /// Carries a client-chosen idempotency key (`unique_temp_id`) the server deduplicates on.
    Keyed,
    /// Creates something on each call: repeated only when the request provably never left.
    Unsafe,
}

/// One call of the spec.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Endpoint {
    pub name: &'static str,
    pub method: Method,
    pub path: &'static str,
    pub retry: Retry,
}

macro_rules! endpoints {
    ($($konst:ident = $method:ident $name:literal $path:literal $retry:ident;)*) => {
        $(
            pub(crate) const $konst: Endpoint = Endpoint {
                name: $name,
                method: Method::$method,
                path: $path,
                retry: Retry::$retry,
            };
        )*
        /// Every call (the client parses their URLs once; tests check the table).
        pub(crate) const ALL: &[Endpoint] = &[$($konst),*];
    };
}

endpoints! {
    // users
    LOGIN_OR_REGISTER = Post "login_or_register" "login_or_register" Upsert;
    USER_PROFILE = Get "user_profile" "user_profile" Safe;
    RESET_USER_TOKEN = Post "reset_user_token" "reset_user_token" Unsafe;
    GET_USER_ROOMS = Get "get_user_rooms" "get_user_rooms" Safe;
    // rooms
    CREATE_ROOM = Post "create_room" "create_room" Unsafe;
    UPDATE_ROOM = Post "update_room" "update_room" Upsert;
    GET_OR_CREATE_ROOM_WITH_TARGET = Get "get_or_create_room_with_target" "get_or_create_room_with_target" Safe;
    GET_ROOMS_INFO = Post "get_rooms_info" "get_rooms_info" Safe;
    ADD_ROOM_PARTICIPANTS = Post "add_room_participants" "add_room_participants" Upsert;
    REMOVE_ROOM_PARTICIPANTS = Post "remove_room_participants" "remove_room_participants" Upsert;
    // comments
    POST_COMMENT = Post "post_comment" "post_comment" Keyed;
    LOAD_COMMENTS = Get "load_comments" "load_comments" Safe;
    // system events
    POST_SYSTEM_EVENT_MESSAGE = Post "post_system_event_message" "post_system_event_message" Unsafe;
    // search
    SEARCH_MESSAGES = Post "search_messages" "search_messages" Safe;
    // backups
    CREATE_EXPORT = Post "create_export" "exports" Unsafe;
    LIST_EXPORTS = Get "list_exports" "exports" Safe;
    GET_EXPORT = Get "get_export" "exports" Safe;
    DELETE_EXPORT = Delete "delete_export" "exports" Upsert;
    CREATE_IMPORT = Post "create_import" "imports" Unsafe;
    LIST_IMPORTS = Get "list_imports" "imports" Safe;
}

#[cfg(test)]
mod tests {
    #[test]
    fn twenty_calls() {
        assert_eq!(super::ALL.len(), 20);
    }
}
