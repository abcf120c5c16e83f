//! `examples/certify_flow` in a real browser: headless Chromium (Debian `chromium` and
//! `chromium-driver`) driven over WebDriver fills the merchant form, passes and fails a
//! certification on the sandbox's page, opens a tampered certify URL, and checks what
//! each page shows. A screenshot of every page is kept in
//! `<target>/certify-flow-screenshots/`.
//!
//! Without Chromium the test says so on stderr and returns; with
//! `ALIPAY_REQUIRE_BROWSER=1` (set by `.ci/run`) a missing browser fails it instead.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";

/// Kills a child process when the test ends, however it ends.
struct Guard(Child);

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `<target>/debug`: the test binary runs from `<target>/debug/deps`.
fn profile_dir() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    exe.parent().unwrap().parent().unwrap().to_path_buf()
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Starts the example (built by `cargo test` with the other examples) and returns the
/// merchant URL it prints.
fn start_example() -> (Guard, String) {
    let exe = profile_dir().join("examples").join("certify_flow");
    assert!(
        exe.exists(),
        "{} is missing: run `cargo test -p alipay-api` (it builds the examples)",
        exe.display()
    );
    let mut child = Command::new(&exe)
        .env_remove("ALIPAY_APP_ID")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let guard = Guard(child);
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).unwrap();
    let url = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap_or_else(|| panic!("no URL in the example's first line: {line:?}"))
        .to_owned();
    (guard, url)
}

async fn browser(port: u16) -> Client {
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({
            "binary": CHROMIUM,
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=800,900"],
        }),
    );
    // chromedriver needs a moment to listen.
    for _ in 0..50 {
        if let Ok(client) = ClientBuilder::rustls()
            .unwrap()
            .capabilities(caps.clone())
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
        {
            return client;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("chromedriver on port {port} did not accept a session");
}

async fn screenshot(client: &Client, dir: &Path, name: &str) {
    let png = client.screenshot().await.unwrap();
    std::fs::write(dir.join(format!("{name}.png")), png).unwrap();
}

async fn text(client: &Client, css: &str) -> String {
    client
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("no `{css}` on the page: {e}"))
        .text()
        .await
        .unwrap()
}

/// Fills the merchant form and lands on the sandbox's certify page.
async fn to_certify_page(client: &Client, merchant: &str) {
    client.goto(merchant).await.unwrap();
    client
        .find(Locator::Css("#start"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    text(client, "#pass").await;
}

#[tokio::test]
async fn certify_flow_in_headless_chromium() {
    let required = std::env::var("ALIPAY_REQUIRE_BROWSER").is_ok_and(|v| v == "1");
    if !Path::new(CHROMEDRIVER).exists() || !Path::new(CHROMIUM).exists() {
        let msg = format!(
            "SKIPPED certify_flow_in_headless_chromium: {CHROMIUM} or {CHROMEDRIVER} is not \
             installed (apt-get install chromium chromium-driver); nothing was tested"
        );
        assert!(!required, "{msg}, and ALIPAY_REQUIRE_BROWSER=1 requires it");
        eprintln!("{msg}");
        return;
    }
    let shots = profile_dir().join("..").join("certify-flow-screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    let (_example, merchant) = start_example();
    let port = free_port();
    let _driver = Guard(
        Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let client = browser(port).await;

    // The merchant form.
    client.goto(&merchant).await.unwrap();
    text(&client, "#start").await;
    screenshot(&client, &shots, "1-merchant-form").await;

    // Pass: the certify page shows the masked person; the result page the verified T.
    to_certify_page(&client, &merchant).await;
    assert_eq!(
        text(&client, "#method").await,
        "alipay.user.certify.open.certify"
    );
    assert_eq!(text(&client, "#cert-name").await, "张*");
    assert_eq!(text(&client, "#cert-no").await, "2601**********5964");
    screenshot(&client, &shots, "2-certify-page").await;
    let certify_url = client.current_url().await.unwrap().to_string();
    client
        .find(Locator::Css("#pass"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    assert_eq!(text(&client, "#result").await, "Verified: passed");
    assert_eq!(text(&client, "#passed").await, "T");
    screenshot(&client, &shots, "3-result-passed").await;

    // Fail: a new certification, the verified F and its reason.
    to_certify_page(&client, &merchant).await;
    client
        .find(Locator::Css("#fail"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    assert_eq!(text(&client, "#result").await, "Verified: not passed");
    assert_eq!(text(&client, "#passed").await, "F");
    assert!(
        text(&client, "#fail-reason")
            .await
            .contains("人脸比对不通过")
    );
    screenshot(&client, &shots, "4-result-not-passed").await;

    // Tampered: the first page's URL naming another certify_id no longer verifies.
    let marker = "certify_id%22%3A%22";
    let at = certify_url.find(marker).unwrap() + marker.len();
    let swapped = if &certify_url[at..=at] == "0" {
        "1"
    } else {
        "0"
    };
    let tampered = format!("{}{swapped}{}", &certify_url[..at], &certify_url[at + 1..]);
    client.goto(&tampered).await.unwrap();
    assert_eq!(text(&client, "#code").await, "isv.invalid-signature");
    assert!(text(&client, "#reason").await.contains("验签出错"));
    screenshot(&client, &shots, "5-tampered-url").await;
    // The used (genuine) URL is refused too: the certification is finished.
    client.goto(&certify_url).await.unwrap();
    assert!(text(&client, "#reason").await.contains("already finished"));

    client.close().await.unwrap();
    eprintln!("screenshots in {}", shots.display());
}
