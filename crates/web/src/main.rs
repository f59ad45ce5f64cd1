//! Entry point of the Exactly-Once Playground page: the player, the bundle every visit loads (see
//! `edition`).

fn main() {
    exactly_once_web::start::<exactly_once_web::edition::Player>();
}
