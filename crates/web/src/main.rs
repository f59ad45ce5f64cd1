//! Entry point of the Exactly-Once Playground page.

fn main() {
    exactly_once_web::start();
}
