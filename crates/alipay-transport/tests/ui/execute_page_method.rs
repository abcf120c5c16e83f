// A page-redirect method cannot be executed (or prepared) as a server call.
#[path = "methods.rs"]
mod methods;

fn main() {
    let client: alipay_transport::AlipayClient = unimplemented!();
    let _ = client.execute(&methods::Page);
    let _ = client.prepare(&methods::App);
}
