// A server method cannot be turned into a page URL, a form or an order string.
#[path = "methods.rs"]
mod methods;

fn main() {
    let client: alipay_transport::AlipayClient = unimplemented!();
    let _ = client.page_url(&methods::Server);
    let _ = client.page_form(&methods::App);
    let _ = client.app_order_string(&methods::Page);
}
