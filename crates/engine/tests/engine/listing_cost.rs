use pail_testkit::request_count::CountingProxy;

use crate::support::{bucket_name, make_bucket, moto_endpoint, remote, sdk_client};

/// A synced bucket folder that fits in one page (here 301 keys in 6 sub-folders) is listed with
/// one request: the range fan-out starts only when there is more than a page to read. (It cost a
/// delimiter page plus one request per sub-folder range before.)
#[tokio::test]
async fn a_bucket_folder_of_one_page_costs_one_listing_request() {
    let bucket = bucket_name("list-cost");
    let mut keys: Vec<String> = (0..6)
        .flat_map(|f| (0..50).map(move |n| format!("team/f{f}/k{n:02}")))
        .collect();
    keys.push("team/top.txt".into());
    keys.push("elsewhere/x".into());
    make_bucket(&sdk_client(&moto_endpoint(), "k", "s"), &bucket, &keys).await;
    let proxy = CountingProxy::start(moto_endpoint());
    let r = remote(&proxy.endpoint(), "k", "s").await;
    let mark = proxy.mark();
    let listed = r.list_prefix_objects(&bucket, "team/").await.expect("list");
    let mut want: Vec<&str> = keys
        .iter()
        .map(String::as_str)
        .filter(|k| k.starts_with("team/"))
        .collect();
    want.sort_unstable();
    assert_eq!(listed.iter().map(|o| o.key.as_str()).collect::<Vec<_>>(), want);
    let cost = proxy.since(mark);
    assert_eq!(cost.total(), 1, "{cost}: {:?}", proxy.listed_since(mark));
}
