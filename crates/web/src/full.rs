//! Entry point of the page's full bundle, with the editing panels: loaded by the player the first
//! time the page needs one of them (see `edition`).

fn main() {
    exactly_once_web::start::<exactly_once_web::edition::Full>();
}
