//! The tray icons: PNGs rendered from `resources/icons/*.svg` (`render.sh`), embedded in the
//! binary. Each is a coloured square with a white key and a light rim, so it reads on light
//! and dark panels alike (`target/screenshots/tray-icons-panels.png` shows them on both).

use super::menu_model::IconState;

/// 32 px reads well in trays from 16 to 32 px high (they scale down).
fn png_bytes(state: IconState) -> &'static [u8] {
    match state {
        IconState::Idle => include_bytes!("../../resources/icons/32x32/keyhop-idle.png"),
        IconState::Active => include_bytes!("../../resources/icons/32x32/keyhop-active.png"),
        IconState::Attention => include_bytes!("../../resources/icons/32x32/keyhop-attention.png"),
        IconState::Busy => include_bytes!("../../resources/icons/32x32/keyhop-busy.png"),
    }
}

/// Straight RGBA pixels, as tray-icon and iced's window icons want them.
pub struct Rgba {
    pub pixels: Vec<u8>,
    pub width: u32,
    pub height: u32,
}

pub fn rgba(state: IconState) -> Rgba {
    decode(png_bytes(state)).expect("the embedded icons are valid RGBA PNGs")
}

/// The app icon for windows (64 px).
pub fn window_icon() -> Rgba {
    decode(include_bytes!("../../resources/icons/64x64/keyhop-active.png"))
        .expect("the embedded icon is a valid RGBA PNG")
}

fn decode(bytes: &[u8]) -> Result<Rgba, png::DecodingError> {
    let mut decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::ALPHA);
    let mut reader = decoder.read_info()?;
    let mut buf = vec![0; reader.output_buffer_size().unwrap_or(0)];
    let info = reader.next_frame(&mut buf)?;
    buf.truncate(info.buffer_size());
    Ok(Rgba {
        pixels: buf,
        width: info.width,
        height: info.height,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_icon_decodes_to_rgba_of_its_size() {
        for state in [
            IconState::Idle,
            IconState::Active,
            IconState::Attention,
            IconState::Busy,
        ] {
            let i = rgba(state);
            assert_eq!((i.width, i.height), (32, 32));
            assert_eq!(i.pixels.len(), 32 * 32 * 4);
            // Not blank: the key is drawn in white on a coloured square.
            assert!(i.pixels.chunks(4).any(|p| p == [255, 255, 255, 255]));
        }
        assert_eq!(window_icon().width, 64);
    }

    /// The mean luminance of an icon's opaque pixels, 0 to 1.
    fn luminance(i: &Rgba) -> f64 {
        let (mut sum, mut n) = (0.0, 0.0);
        for p in i.pixels.chunks(4).filter(|p| p[3] == 255) {
            sum += 0.2126 * f64::from(p[0]) + 0.7152 * f64::from(p[1]) + 0.0722 * f64::from(p[2]);
            n += 1.0;
        }
        sum / n / 255.0
    }

    #[test]
    fn each_state_has_its_own_colour_and_a_rim_that_shows_on_dark_panels() {
        let states = [
            IconState::Idle,
            IconState::Active,
            IconState::Attention,
            IconState::Busy,
        ];
        let icons: Vec<Rgba> = states.into_iter().map(rgba).collect();
        for (a, i) in icons.iter().enumerate() {
            for b in &icons[a + 1..] {
                assert_ne!(i.pixels, b.pixels, "two states look alike");
            }
            // Mid-tone squares: dark enough for a light panel, with light pixels (key, rim)
            // for a dark one.
            let l = luminance(i);
            assert!((0.15..0.6).contains(&l), "state {a}: mean luminance {l}");
            let edge = &i.pixels[(16 * 32 + 1) * 4..(16 * 32 + 2) * 4];
            assert!(
                edge[..3].iter().all(|&c| c > 140),
                "state {a}: left rim pixel {edge:?} is not light"
            );
        }
    }
}
