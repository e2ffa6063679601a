//! Tauri's build step, plus the app manifest: one `allow-<command>` permission per IPC command,
//! so the window's capability (capabilities/default.json) can grant exactly the commands the UI
//! calls and nothing else. A test in src/bindings.rs keeps this list, the capability and the
//! generated TypeScript bindings in step.

/// Every IPC command the shell exposes (the same list as `bindings::builder`).
const COMMANDS: &[&str] = &[
    "list_presets",
    "list_connections",
    "create_connection",
    "update_connection",
    "rename_connection",
    "delete_connection",
    "check_connection_draft",
    "test_connection",
    "discover_aws_profiles",
    "import_aws_profiles",
    "list_buckets",
    "add_bucket",
    "list_folder",
    "cancel_listing",
    "object_properties",
    "create_folder",
    "rename_item",
    "copy_items",
    "move_items",
    "delete_summary",
    "delete_items",
    "share_link",
    "set_content_type",
    "list_versions",
    "restore_version",
    "demo_status",
    "start_demo",
    "list_pairs",
    "watch_pairs",
    "check_pair",
    "check_sync_folder",
    "create_sync_folder",
    "add_pair",
    "remove_pair",
    "check_pair_now",
    "request_costs",
    "set_pair_change_marker",
    "set_pair_paused",
    "set_pair_mode",
    "set_all_paused",
    "set_ignore_patterns",
    "default_ignore_patterns",
    "confirm_deletions",
    "pair_activity",
    "pair_files",
    "list_conflicts",
    "resolve_conflict",
    "open_in_pair",
    "choose_sync_folder",
    "pick_upload",
    "pick_download_folder",
    "get_settings",
    "save_settings",
    "check_upload",
    "upload_paths",
    "download_items",
    "list_transfers",
    "pause_transfers",
    "resume_transfers",
    "cancel_transfers",
    "clear_finished_transfers",
    "preview_object",
];

fn main() {
    let attributes = tauri_build::Attributes::new().app_manifest(tauri_build::AppManifest::new().commands(COMMANDS));
    if let Err(e) = tauri_build::try_build(attributes) {
        // A build script can only report by failing; the message says which file is wrong.
        panic!("tauri build step failed: {e:#}");
    }
}
