//! Text for plotters backends from the font embedded in the binary.
//!
//! plotters 0.3.7 draws bitmap text only through its `ttf` feature, which loads fonts from the
//! system; without it text is skipped, and text widths are guessed from the character count.
//! [`TextBackend`] wraps a backend and measures text with DejaVu Sans (from `assets/fonts`,
//! licence beside it) through `ab_glyph`. For a bitmap it also rasterises the glyphs itself, so
//! a PNG reads the same on a machine with no fonts; an SVG keeps plotters' `<text>` elements,
//! laid out with the real widths.

use std::sync::OnceLock;

use ab_glyph::{Font, FontRef, PxScale, ScaleFont, point};
use plotters::prelude::DrawingBackend;
use plotters_backend::text_anchor::{HPos, VPos};
use plotters_backend::{
    BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingErrorKind,
};

static FONT_BYTES: &[u8] = include_bytes!("../../../assets/fonts/DejaVuSans.ttf");

/// Family name written into SVG `<text>` elements: the embedded font first, then the viewer's
/// default sans-serif face.
pub(crate) const FONT_FAMILY: &str = "DejaVu Sans, Verdana, sans-serif";

fn font() -> &'static FontRef<'static> {
    static FONT: OnceLock<FontRef<'static>> = OnceLock::new();
    FONT.get_or_init(|| FontRef::try_from_slice(FONT_BYTES).expect("the embedded font parses"))
}

/// Pixel size of the glyphs for a plotters font size. plotters' SVG backend writes
/// `font-size` as the size divided by 1.24, so PNG text uses the same factor to match.
fn pixel_size(style_size: f64) -> f32 {
    (style_size / 1.24) as f32
}

/// Width and height of `text` at `size_px`, in pixels, unrotated.
fn measure(text: &str, size_px: f32) -> (f32, f32) {
    let scaled = font().as_scaled(PxScale::from(size_px));
    let mut width = 0.0;
    let mut previous = None;
    for c in text.chars() {
        let id = scaled.glyph_id(c);
        if let Some(p) = previous {
            width += scaled.kern(p, id);
        }
        width += scaled.h_advance(id);
        previous = Some(id);
    }
    (width, scaled.ascent() - scaled.descent())
}

/// A backend whose text is measured, and optionally drawn, with the embedded font.
pub(crate) struct TextBackend<B> {
    inner: B,
    rasterise: bool,
}

impl<B: DrawingBackend> TextBackend<B> {
    /// Wraps `inner`; with `rasterise` the glyphs are drawn pixel by pixel (bitmaps).
    pub(crate) fn new(inner: B, rasterise: bool) -> Self {
        Self { inner, rasterise }
    }
}

impl<B: DrawingBackend> DrawingBackend for TextBackend<B> {
    type ErrorType = B::ErrorType;

    fn get_size(&self) -> (u32, u32) {
        self.inner.get_size()
    }

    fn ensure_prepared(&mut self) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.ensure_prepared()
    }

    fn present(&mut self) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.present()
    }

    fn draw_pixel(
        &mut self,
        point: BackendCoord,
        color: BackendColor,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.draw_pixel(point, color)
    }

    fn draw_line<S: BackendStyle>(
        &mut self,
        from: BackendCoord,
        to: BackendCoord,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.draw_line(from, to, style)
    }

    fn draw_rect<S: BackendStyle>(
        &mut self,
        upper_left: BackendCoord,
        bottom_right: BackendCoord,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.draw_rect(upper_left, bottom_right, style, fill)
    }

    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.draw_path(path, style)
    }

    fn draw_circle<S: BackendStyle>(
        &mut self,
        center: BackendCoord,
        radius: u32,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.draw_circle(center, radius, style, fill)
    }

    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        vert: I,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.fill_polygon(vert, style)
    }

    fn blit_bitmap(
        &mut self,
        pos: BackendCoord,
        size: (u32, u32),
        src: &[u8],
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.blit_bitmap(pos, size, src)
    }

    fn estimate_text_size<TStyle: BackendTextStyle>(
        &self,
        text: &str,
        style: &TStyle,
    ) -> Result<(u32, u32), DrawingErrorKind<Self::ErrorType>> {
        let (width, height) = measure(text, pixel_size(style.size()));
        Ok((width.ceil() as u32, height.ceil() as u32))
    }

    fn draw_text<TStyle: BackendTextStyle>(
        &mut self,
        text: &str,
        style: &TStyle,
        pos: BackendCoord,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        if !self.rasterise {
            return self.inner.draw_text(text, style, pos);
        }
        let color = style.color();
        if color.alpha == 0.0 {
            return Ok(());
        }

        // Lay the glyphs out on a baseline in the text's own frame, with the anchor at (0, 0).
        let size_px = pixel_size(style.size());
        let scale = PxScale::from(size_px);
        let scaled = font().as_scaled(scale);
        let (width, height) = measure(text, size_px);
        let anchor = style.anchor();
        let left = match anchor.h_pos {
            HPos::Left => 0.0,
            HPos::Center => -width / 2.0,
            HPos::Right => -width,
        };
        let top = match anchor.v_pos {
            VPos::Top => 0.0,
            VPos::Center => -height / 2.0,
            VPos::Bottom => -height,
        };
        let baseline = top + scaled.ascent();

        // Then rotate each covered pixel about the anchor, as plotters' own text drawing does.
        let transform = style.transform();
        let (image_width, image_height) = self.get_size();
        let mut caret = left;
        let mut previous = None;
        for c in text.chars() {
            let id = scaled.glyph_id(c);
            if let Some(p) = previous {
                caret += scaled.kern(p, id);
            }
            let glyph = id.with_scale_and_position(scale, point(caret, baseline));
            caret += scaled.h_advance(id);
            previous = Some(id);
            let Some(outline) = font().outline_glyph(glyph) else {
                continue;
            };
            let bounds = outline.px_bounds();
            let mut result = Ok(());
            outline.draw(|x, y, coverage| {
                if coverage <= 0.0 || result.is_err() {
                    return;
                }
                let local_x = bounds.min.x as i32 + x as i32;
                let local_y = bounds.min.y as i32 + y as i32;
                let (dx, dy) = transform.transform(local_x, local_y);
                let (px, py) = (pos.0 + dx, pos.1 + dy);
                if px < 0 || py < 0 || px >= image_width as i32 || py >= image_height as i32 {
                    return;
                }
                let shade = BackendColor {
                    alpha: color.alpha * f64::from(coverage.min(1.0)),
                    rgb: color.rgb,
                };
                result = self.inner.draw_pixel((px, py), shade);
            });
            result?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn font_measures_wider_text_wider() {
        let (short, height) = measure("k=1", 16.0);
        let (long, _) = measure("k=1, alpha=0.70", 16.0);
        assert!(long > 3.0 * short, "{short} {long}");
        assert!(height > 14.0 && height < 24.0, "height {height}");
    }
}
