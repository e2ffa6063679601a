//! Runs the real Pail binary under WebDriver: starts `tauri-driver` (which starts
//! `WebKitWebDriver`, which starts the app) with an isolated data folder and keyring service,
//! and offers the few page helpers the tests need. Needs DISPLAY (Xvfb), a D-Bus session with
//! gnome-keyring, and a built `pail-app` binary: scripts/test provides all three.
#![deny(missing_docs)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};

pub use pail_testkit::{bucket_name, eventually, free_port, make_bucket, moto_endpoint, s3, sdk_client};

/// Environment variable naming another app binary to drive (the installed `/usr/bin/pail-app`).
pub const APP_ENV: &str = "PAIL_E2E_APP";

/// The built app binary next to this test executable (target/debug/pail-app), or the one
/// [`APP_ENV`] names.
pub fn app_binary() -> PathBuf {
    if let Some(app) = std::env::var_os(APP_ENV) {
        return PathBuf::from(app);
    }
    let exe = std::env::current_exe().expect("test executable path");
    // target/debug/deps/e2e-HASH -> target/debug/pail-app
    let bin = exe
        .parent()
        .and_then(|d| d.parent())
        .map(|d| d.join("pail-app"))
        .expect("target dir");
    assert!(
        bin.exists(),
        "{} is missing: build the app first (`cargo build -p pail-app`, as scripts/test does)",
        bin.display()
    );
    bin
}

/// Where UI tests keep their screenshots for people to look at.
pub fn screenshot_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../build-output/e2e");
    std::fs::create_dir_all(&dir).expect("create build-output/e2e");
    dir
}

/// The file of scripted picker answers inside the app's data folder.
const PICKS_FILE: &str = "scripted-picks.jsonl";

/// Queues the answer the app's next native picker (a list of paths) or question (`true` for
/// its first button) gives, in the data folder `data_dir` (before or after launch).
pub fn queue_scripted_answer(data_dir: &std::path::Path, answer: &serde_json::Value) {
    use std::io::Write;
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(data_dir.join(PICKS_FILE))
        .expect("open the scripted picks file");
    writeln!(file, "{answer}").expect("write a scripted answer");
}

/// A running app session: the driver process, the WebDriver client, the app's data folder.
pub struct App {
    /// The WebDriver client.
    pub client: Client,
    /// The app's isolated data folder.
    pub data_dir: tempfile::TempDir,
    /// The keyring service the app stores secrets under.
    pub keyring_service: String,
    driver: Child,
    _one_at_a_time: tokio::sync::OwnedMutexGuard<()>,
    name: String,
    shots: std::sync::atomic::AtomicU32,
}

impl App {
    /// Launches the app for test `name`.
    pub async fn launch(name: &str) -> App {
        Self::launch_prepared(name, |_| {}).await
    }

    /// Launches the app for test `name` after `prepare` has put files in its data folder (and
    /// perhaps queued picker answers there, see [`App::answer_next_pick`]).
    pub async fn launch_prepared(name: &str, prepare: impl FnOnce(&std::path::Path)) -> App {
        Self::launch_on(name, &[], prepare).await
    }

    /// [`App::launch_prepared`] with more environment: another X display than the suite's (a
    /// [`SmallScreen`]'s, say) or `GTK_THEME=Adwaita:dark` for the dark appearance.
    pub async fn launch_on(name: &str, env: &[(&str, &str)], prepare: impl FnOnce(&std::path::Path)) -> App {
        // One window at a time: several WebKit instances on two cores make timing flaky.
        static LOCK: std::sync::OnceLock<std::sync::Arc<tokio::sync::Mutex<()>>> = std::sync::OnceLock::new();
        let one_at_a_time = LOCK.get_or_init(Default::default).clone().lock_owned().await;
        assert!(
            std::env::var_os("DISPLAY").is_some(),
            "no DISPLAY: run the end-to-end tests through scripts/test (it starts Xvfb)"
        );
        let data_dir = tempfile::tempdir().expect("temp dir");
        prepare(data_dir.path());
        let keyring_service = format!("pail-e2e-{}", uuid::Uuid::new_v4().simple());
        let ports = pail_testkit::free_ports(2);
        let (port, native_port) = (ports[0], ports[1]);
        let mut cmd = Command::new("tauri-driver");
        cmd.args(["--port", &port.to_string(), "--native-port", &native_port.to_string()])
            .env("PAIL_DATA_DIR", data_dir.path())
            .env("PAIL_KEYRING_SERVICE", &keyring_service)
            // Native pickers cannot be clicked through WebDriver: the app takes their answers
            // from this file (see `App::answer_next_pick`).
            .env("PAIL_SCRIPTED_PICKS", data_dir.path().join(PICKS_FILE))
            // Verbose, so the "no secret in any file" checks also cover what debug logging writes.
            .env("PAIL_LOG", "debug,s3s=off,hyper=info,h2=info,tower=info")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit());
        cmd.envs(env.iter().copied());
        // Its own process group, so the driver, WebKitWebDriver and the app all go together.
        std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
        let driver = match pail_testkit::spawn_tied_to_process(cmd) {
            Ok(c) => c,
            Err(e) => panic!("tauri-driver must be installed (cargo install tauri-driver --locked): {e}"),
        };
        pail_testkit::wait_for_port(port, "tauri-driver");
        // tauri-driver forwards to WebKitWebDriver, which may still be starting on a busy machine.
        pail_testkit::wait_for_port(native_port, "WebKitWebDriver");
        let mut caps = serde_json::Map::new();
        caps.insert("browserName".into(), "wry".into());
        caps.insert(
            "tauri:options".into(),
            serde_json::json!({ "application": app_binary() }),
        );
        let mut attempt = 0;
        let client = loop {
            attempt += 1;
            let connected = ClientBuilder::rustls()
                .expect("rustls")
                .capabilities(caps.clone())
                .connect(&format!("http://127.0.0.1:{port}"))
                .await;
            match connected {
                Ok(c) => break c,
                // A session request that races the driver's start gets a cut-off answer; ask again.
                Err(e) if attempt < 3 => {
                    eprintln!("WebDriver session attempt {attempt} failed ({e}); retrying");
                    tokio::time::sleep(Duration::from_secs(2)).await;
                }
                Err(e) => panic!("WebDriver session with the app: {e}"),
            }
        };
        App {
            client,
            data_dir,
            keyring_service,
            driver,
            _one_at_a_time: one_at_a_time,
            name: name.to_owned(),
            shots: std::sync::atomic::AtomicU32::new(0),
        }
    }

    /// What the next file or folder picker the app opens will answer, as if the user chose
    /// `paths` in it (an empty list is a cancel). Answers queue up in order.
    pub fn answer_next_pick(&self, paths: &[&std::path::Path]) {
        queue_scripted_answer(self.data_dir.path(), &serde_json::json!(paths));
    }

    /// Runs one WebDriver step with a deadline, so a driver that stops answering fails the test
    /// with the step's name instead of hanging it.
    pub async fn step<T, E: std::fmt::Display>(
        &self,
        what: &str,
        fut: impl std::future::Future<Output = Result<T, E>>,
    ) -> T {
        match tokio::time::timeout(Duration::from_secs(30), fut).await {
            Ok(Ok(v)) => v,
            Ok(Err(e)) => panic!("{what}: {e}"),
            Err(_) => panic!("{what}: the WebDriver did not answer within 30 s"),
        }
    }

    /// An attribute of an element (None when absent).
    pub async fn attr(&self, el: &Element, name: &str) -> Option<String> {
        self.step(&format!("read attribute {name}"), el.attr(name)).await
    }

    /// The visible text of an element.
    pub async fn text(&self, el: &Element) -> String {
        self.step("read text", el.text()).await
    }

    /// CSS selector for a test id.
    pub fn tid(id: &str) -> String {
        format!("[data-testid=\"{id}\"]")
    }

    /// Waits (up to 20 s) for an element matching `css`. Any lookup error counts as "not yet":
    /// WebKitWebDriver reports a node that React is re-rendering as stale instead of absent.
    pub async fn wait_for(&self, css: &str) -> Element {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let last = match tokio::time::timeout(Duration::from_secs(30), self.client.find(Locator::Css(css))).await {
                Ok(Ok(el)) => return el,
                Ok(Err(e)) => e.to_string(),
                Err(_) => panic!("waiting for {css}: the WebDriver did not answer within 30 s"),
            };
            if Instant::now() > deadline {
                let shot = self.screenshot("missing-element").await;
                panic!("{css} did not appear ({last}); see {}", shot.display());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits for a test id.
    pub async fn wait_tid(&self, id: &str) -> Element {
        self.wait_for(&Self::tid(id)).await
    }

    /// Clicks the element with this test id.
    pub async fn click_tid(&self, id: &str) {
        self.click_css(&Self::tid(id)).await;
    }

    /// Clicks the first element matching `css`, finding it again if React replaced it meanwhile.
    pub async fn click_css(&self, css: &str) {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let el = self.wait_for(css).await;
            let last = match tokio::time::timeout(Duration::from_secs(30), el.click()).await {
                Ok(Ok(())) => return,
                Ok(Err(e)) => e.to_string(),
                Err(_) => panic!("click {css}: the WebDriver did not answer within 30 s"),
            };
            if Instant::now() > deadline {
                let shot = self.screenshot("click-failed").await;
                panic!("click {css}: {last}; see {}", shot.display());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Replaces the value of an input with this test id, starting over if React replaced the
    /// input while typing.
    pub async fn type_into(&self, id: &str, text: &str) {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let el = self.wait_tid(id).await;
            // Keystrokes, not WebDriver's Clear: React only sees edits that arrive as input events.
            // Two calls: modifiers stay pressed until the end of one call, so Ctrl would swallow the text.
            let typed = async {
                el.send_keys("\u{E009}a\u{E000}\u{E003}").await?;
                if !text.is_empty() {
                    el.send_keys(text).await?;
                }
                Ok::<(), fantoccini::error::CmdError>(())
            };
            let last = match tokio::time::timeout(Duration::from_secs(30), typed).await {
                Ok(Ok(())) => return,
                Ok(Err(e)) => e.to_string(),
                Err(_) => panic!("type into {id}: the WebDriver did not answer within 30 s"),
            };
            if Instant::now() > deadline {
                let shot = self.screenshot("typing-failed").await;
                panic!("type into {id}: {last}; see {}", shot.display());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Polls `check` until it returns Some, or fails after 20 s describing `what`.
    pub async fn eventually<T, F, Fut>(&self, what: &str, mut check: F) -> T
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Option<T>>,
    {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(v) = check().await {
                return v;
            }
            if Instant::now() > deadline {
                self.screenshot("timeout").await;
                panic!("timed out waiting for {what}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The (kind, name) of every row the file list shows now.
    pub async fn rows(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        let rows = self
            .step("find rows", self.client.find_all(Locator::Css(&Self::tid("row"))))
            .await;
        for r in rows {
            // A row re-rendered between find and read is simply read again on the next poll.
            let kind = tokio::time::timeout(Duration::from_secs(30), r.attr("data-kind")).await;
            let name = tokio::time::timeout(Duration::from_secs(30), r.attr("data-name")).await;
            match (kind, name) {
                (Ok(Ok(k)), Ok(Ok(n))) => out.push((k.unwrap_or_default(), n.unwrap_or_default())),
                (Err(_), _) | (_, Err(_)) => panic!("reading rows: the WebDriver did not answer within 30 s"),
                _ => {}
            }
        }
        out.sort();
        out
    }

    /// Waits until the file list shows exactly `want` (kind, name) rows.
    pub async fn wait_rows(&self, want: &[(&str, &str)]) {
        let mut want: Vec<(String, String)> = want.iter().map(|(k, n)| (k.to_string(), n.to_string())).collect();
        want.sort();
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let seen = self.rows().await;
            if seen == want {
                return;
            }
            if Instant::now() > deadline {
                self.screenshot("timeout").await;
                panic!("rows: expected {want:?}, saw {seen:?}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Adds a keyring connection through the form (from the welcome screen or the sidebar) and
    /// waits until a test of it passes and it is saved.
    pub async fn add_connection(
        &self,
        from: &str,
        provider: &str,
        name: &str,
        endpoint: &str,
        key: &str,
        secret: &str,
    ) {
        self.click_tid(from).await;
        self.wait_tid("conn-form").await;
        let select = self.wait_tid("conn-provider").await;
        self.step(&format!("choose provider {provider}"), select.select_by_value(provider))
            .await;
        self.type_into("conn-name", name).await;
        self.type_into("conn-endpoint", endpoint).await;
        self.type_into("conn-region", "us-east-1").await;
        self.type_into("conn-access-key", key).await;
        self.type_into("conn-secret-key", secret).await;
        self.click_tid("conn-test").await;
        self.eventually("a passing connection test", || async {
            let el = self.wait_tid("conn-test-result").await;
            (self.attr(&el, "data-status").await.as_deref() == Some("ok")).then_some(())
        })
        .await;
        self.screenshot("connection-tested").await;
        self.click_tid("conn-save").await;
        self.wait_for(&format!(
            "[data-testid=\"connection-item\"][data-connection-name=\"{name}\"]"
        ))
        .await;
    }

    /// Opens a row: selects it and presses Enter, the keyboard path a user takes.
    pub async fn open_row(&self, name: &str) {
        let row = self
            .wait_for(&format!("{}[data-name=\"{name}\"]", Self::tid("row")))
            .await;
        self.step(&format!("click row {name}"), row.click()).await;
        let active = self
            .step("find the focused element", self.client.active_element())
            .await;
        self.step("press Enter", active.send_keys("\u{E007}")).await;
    }

    /// Saves a PNG of the window as build-output/e2e/<test>-<n>-<label>.png.
    pub async fn screenshot(&self, label: &str) -> PathBuf {
        let n = self.shots.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
        let path = screenshot_dir().join(format!("{}-{n:02}-{label}.png", self.name));
        match tokio::time::timeout(Duration::from_secs(15), self.client.screenshot())
            .await
            .unwrap_or_else(|_| Err(fantoccini::error::CmdError::WaitTimeout))
        {
            Ok(png) => {
                if let Err(e) = std::fs::write(&path, png) {
                    eprintln!("could not save screenshot {}: {e}", path.display());
                }
            }
            Err(e) => eprintln!("screenshot failed: {e}"),
        }
        path
    }

    /// Runs axe-core (the accessibility rules browsers' dev tools use) on the window as it is now,
    /// saves its report beside the screenshots, and fails on any serious or critical violation.
    pub async fn audit_accessibility(&self, label: &str) {
        let axe = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../ui/node_modules/axe-core/axe.min.js");
        let source = std::fs::read_to_string(&axe)
            .unwrap_or_else(|e| panic!("axe-core is missing ({}: {e}); run `npm ci` in ui/", axe.display()));
        let loaded: serde_json::Value = self
            .step("check for axe", self.client.execute("return typeof window.axe", vec![]))
            .await;
        if loaded.as_str() != Some("object") {
            self.step("load axe-core", self.client.execute(&source, vec![])).await;
        }
        let script = r#"
            const done = arguments[arguments.length - 1];
            window.axe
                .run(document, { resultTypes: ["violations"] })
                .then((r) => done({ ok: r.violations }), (e) => done({ err: String(e) }));
        "#;
        let out = self
            .step(
                &format!("axe audit of {label}"),
                self.client.execute_async(script, vec![]),
            )
            .await;
        let violations = match (out.get("ok"), out.get("err")) {
            (Some(v), _) => v.as_array().cloned().unwrap_or_default(),
            (_, err) => panic!("axe could not run on {label}: {err:?}"),
        };
        let n = self.shots.load(std::sync::atomic::Ordering::Relaxed);
        let report = screenshot_dir().join(format!("{}-{n:02}-{label}-axe.json", self.name));
        let pretty = serde_json::to_string_pretty(&violations).unwrap_or_default();
        if let Err(e) = std::fs::write(&report, pretty) {
            eprintln!("could not save the axe report {}: {e}", report.display());
        }
        let serious: Vec<String> = violations
            .iter()
            .filter(|v| matches!(v["impact"].as_str(), Some("serious" | "critical")))
            .map(|v| {
                let nodes: Vec<String> = v["nodes"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .take(5)
                    .map(|n| format!("{} ({})", n["target"], n["failureSummary"].as_str().unwrap_or("")))
                    .collect();
                format!(
                    "{} [{}]: {}\n    {}",
                    v["id"],
                    v["impact"],
                    v["help"],
                    nodes.join("\n    ")
                )
            })
            .collect();
        if !serious.is_empty() {
            complain(format!(
                "accessibility violations on {label} (report: {}):\n{}",
                report.display(),
                serious.join("\n")
            ));
        }
    }

    /// Presses Tab through the window as it is now and fails unless every visible control is
    /// reached and each shows a focus ring when it has the keyboard. Inside an open dialog, the
    /// tour stays in the dialog (focus is trapped there, as it should be).
    pub async fn keyboard_tour(&self, label: &str) {
        // Marks each visible, enabled control that Tab should reach and returns how many.
        let mark = r#"
            const scope = document.querySelector('[role="dialog"][aria-modal="true"]') ?? document.body;
            const all = scope.querySelectorAll(
                'button, [href], input:not([type="hidden"]), select, textarea, [tabindex]');
            let n = 0;
            const names = [];
            for (const el of all) {
                el.removeAttribute("data-tour");
                if (el.disabled || el.tabIndex < 0 || el.closest("[inert]")) continue;
                const r = el.getBoundingClientRect();
                const style = getComputedStyle(el);
                if (r.width === 0 || r.height === 0 || style.visibility === "hidden") continue;
                if (r.bottom < 0 || r.top > innerHeight || r.right < 0 || r.left > innerWidth) continue;
                // Radio groups are one Tab stop; arrow keys move within.
                if (el.type === "radio" && !el.checked) continue;
                el.setAttribute("data-tour", String(n++));
                names.push(el.dataset.testid ?? el.getAttribute("aria-label") ?? el.textContent.trim().slice(0, 30));
            }
            return names;
        "#;
        let names: Vec<String> = self
            .step(
                &format!("mark the controls of {label}"),
                self.client.execute(mark, vec![]),
            )
            .await
            .as_array()
            .into_iter()
            .flatten()
            .map(|v| v.as_str().unwrap_or_default().to_owned())
            .collect();
        let here = r#"
            const el = document.activeElement;
            if (!el || el === document.body) return { tour: null, ring: false };
            const s = getComputedStyle(el);
            const outline = s.outlineStyle !== "none" && parseFloat(s.outlineWidth) > 0;
            const shadow = s.boxShadow !== "none";
            return {
                tour: el.getAttribute("data-tour"),
                ring: outline || shadow,
                style: `outline ${s.outlineStyle} ${s.outlineWidth}, box-shadow ${s.boxShadow}, focus-visible ${el.matches(":focus-visible")}`,
            };
        "#;
        let mut reached = vec![false; names.len()];
        let mut no_ring = Vec::new();
        for press in 0..names.len() * 2 + 4 {
            let at = self
                .step("read the focused control", self.client.execute(here, vec![]))
                .await;
            if let Some(i) = at["tour"].as_str().and_then(|t| t.parse::<usize>().ok()) {
                if i < reached.len() && !reached[i] {
                    reached[i] = true;
                    // The control the app focused by itself may show no ring (that is how
                    // :focus-visible works); every one reached by Tab must.
                    if press > 0 && !at["ring"].as_bool().unwrap_or(false) {
                        no_ring.push(format!("{} ({})", names[i], at["style"].as_str().unwrap_or("")));
                    }
                }
            }
            if reached.iter().all(|r| *r) {
                break;
            }
            let active = self
                .step("find the focused element", self.client.active_element())
                .await;
            self.step("press Tab", active.send_keys("\u{E004}")).await;
        }
        let missed: Vec<&String> = names
            .iter()
            .zip(&reached)
            .filter(|(_, r)| !**r)
            .map(|(n, _)| n)
            .collect();
        if !missed.is_empty() {
            complain(format!("on {label}, Tab never reached: {missed:?}"));
        }
        if !no_ring.is_empty() {
            complain(format!("on {label}, no visible focus ring on: {no_ring:?}"));
        }
    }

    /// The page's text and attributes, for "the secret is not in the UI" checks.
    pub async fn page_source(&self) -> String {
        self.step("read the page source", self.client.source()).await
    }

    /// Calls an IPC command straight from the page, the way injected script would, bypassing the
    /// UI: `Ok(value)` or `Err(the rejection as text)`.
    pub async fn invoke_raw(&self, command: &str, args: serde_json::Value) -> Result<serde_json::Value, String> {
        let script = r#"
            const [cmd, args, done] = arguments;
            window.__TAURI_INTERNALS__.invoke(cmd, args).then(
                (value) => done({ ok: value === undefined ? null : value }),
                (e) => done({ err: typeof e === "string" ? e : JSON.stringify(e) }),
            );
        "#;
        let out = self
            .step(
                &format!("invoke {command}"),
                self.client
                    .execute_async(script, vec![serde_json::Value::from(command), args]),
            )
            .await;
        match (out.get("ok"), out.get("err")) {
            (Some(v), _) => Ok(v.clone()),
            (_, Some(e)) => Err(e.as_str().map(str::to_owned).unwrap_or_else(|| e.to_string())),
            _ => Err(format!("unexpected answer {out}")),
        }
    }

    /// Ends the session and the app.
    pub async fn close(self) {
        let _ = self.client.clone().close().await;
        // Drop stops the processes.
    }
}

impl Drop for App {
    fn drop(&mut self) {
        if let Ok(pid) = i32::try_from(self.driver.id()) {
            // SAFETY: signals our own child's process group.
            unsafe {
                libc::killpg(pid, libc::SIGTERM);
            }
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

impl App {
    /// Clicks the row named `name` and sends `keys` to the list, which has the keyboard after the click.
    pub async fn keys_on_row(&self, name: &str, keys: &str) {
        let row = self
            .wait_for(&format!("{}[data-name=\"{name}\"]", Self::tid("row")))
            .await;
        self.step(&format!("click row {name}"), row.click()).await;
        let active = self
            .step("find the focused element", self.client.active_element())
            .await;
        self.step(&format!("press keys on {name}"), active.send_keys(keys))
            .await;
    }
}

/// Fails the test with `problem`, or only prints it when `PAIL_E2E_AUDIT_REPORT_ONLY` is set (to
/// collect every screen's findings in one run while fixing them).
fn complain(problem: String) {
    if std::env::var_os("PAIL_E2E_AUDIT_REPORT_ONLY").is_some() {
        eprintln!("AUDIT: {problem}");
    } else {
        panic!("{problem}");
    }
}

/// An X display of its own (a smaller screen than the suite's), stopped when dropped.
pub struct SmallScreen {
    child: Child,
    /// Its display name (":201").
    pub name: String,
}

impl SmallScreen {
    /// Starts Xvfb on a free display number with one screen of `width`×`height`.
    pub fn start(width: u32, height: u32) -> SmallScreen {
        for n in 200..260 {
            if Path::new(&format!("/tmp/.X11-unix/X{n}")).exists() {
                continue;
            }
            let child = Command::new("Xvfb")
                .args([
                    &format!(":{n}"),
                    "-screen",
                    "0",
                    &format!("{width}x{height}x24"),
                    "-nolisten",
                    "tcp",
                ])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("Xvfb");
            // Xvfb is ready once its socket exists.
            let deadline = Instant::now() + Duration::from_secs(30);
            while !Path::new(&format!("/tmp/.X11-unix/X{n}")).exists() {
                assert!(Instant::now() < deadline, "Xvfb :{n} did not start");
                std::thread::sleep(Duration::from_millis(50));
            }
            return SmallScreen {
                child,
                name: format!(":{n}"),
            };
        }
        panic!("no free X display number");
    }
}

impl Drop for SmallScreen {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
