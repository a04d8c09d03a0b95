//! The tray icons: PNGs rendered from `resources/icons/*.svg`, embedded in the binary.

use super::menu_model::IconState;

/// 32 px reads well in trays from 16 to 32 px high (they scale down).
fn png_bytes(state: IconState) -> &'static [u8] {
    match state {
        IconState::Idle => include_bytes!("../../resources/icons/32x32/keyhop-idle.png"),
        IconState::Active => include_bytes!("../../resources/icons/32x32/keyhop-active.png"),
        IconState::Attention => include_bytes!("../../resources/icons/32x32/keyhop-attention.png"),
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
        for state in [IconState::Idle, IconState::Active, IconState::Attention] {
            let i = rgba(state);
            assert_eq!((i.width, i.height), (32, 32));
            assert_eq!(i.pixels.len(), 32 * 32 * 4);
            // Not blank: the key is drawn in white on a coloured square.
            assert!(i.pixels.chunks(4).any(|p| p == [255, 255, 255, 255]));
        }
        assert_eq!(window_icon().width, 64);
    }
}
