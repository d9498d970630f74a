//! Entry points for fuzz targets (feature `fuzzing`): they run the real decoding paths.

use crate::client::decode;

/// Decodes `body` as the response of every call. Must never panic, whatever the input.
pub fn decode_every_response(body: &[u8]) {
    use crate::backups::{ExportCreated, HistoriesResult, HistoryResult};
    use crate::comments::{CommentResults, CommentsResults};
    use crate::rooms::RoomsInfoResults;
    use crate::users::UserResults;
    use crate::*;
    let _ = decode::<UserResults>("user", body).map(User::from);
    let _ = decode::<UserRooms>("get_user_rooms", body);
    let _ = decode::<RoomSummary>("create_room", body);
    let _ = decode::<UpdatedRoom>("update_room", body);
    let _ = decode::<RoomWithComments>("get_or_create_room_with_target", body);
    let _ = decode::<RoomsInfoResults>("get_rooms_info", body);
    let _ = decode::<CommentResults>("post_comment", body);
    let _ = decode::<CommentsResults>("load_comments", body);
    let _ = decode::<ExportCreated>("create_export", body);
    let _ = decode::<HistoryResult<Export>>("get_export", body);
    let _ = decode::<HistoriesResult<Export>>("list_exports", body);
    let _ = decode::<HistoryResult<Import>>("create_import", body);
    let _ = decode::<HistoriesResult<Import>>("list_imports", body);
    let _ = crate::client::error_from_status("fuzz", 400, None, body, 1);
}
