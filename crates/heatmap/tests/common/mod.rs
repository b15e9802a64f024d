//! Helpers shared by the integration tests: reading cells back out of an SVG,
//! rasterising it with resvg, decoding PNGs.
#![allow(dead_code)]

use std::path::PathBuf;

/// One cell rectangle found in the SVG.
#[derive(Clone, Debug, PartialEq)]
pub struct Cell {
    pub x: i32,
    pub y: i32,
    pub w: i32,
    pub h: i32,
    pub fill: [u8; 3],
}

fn attr_i32(n: &roxmltree::Node<'_, '_>, name: &str) -> Option<i32> {
    n.attribute(name)?.parse().ok()
}

pub fn parse_hex(s: &str) -> Option<[u8; 3]> {
    let s = s.strip_prefix('#')?;
    if s.len() != 6 {
        return None;
    }
    let b = |i: usize| u8::from_str_radix(&s[i..i + 2], 16).ok();
    Some([b(0)?, b(2)?, b(4)?])
}

/// All filled `<rect>`s of the document.
pub fn rects(svg: &str) -> Vec<Cell> {
    let doc = roxmltree::Document::parse(svg).expect("the SVG is well-formed XML");
    doc.descendants()
        .filter(|n| n.has_tag_name("rect"))
        .filter_map(|n| {
            Some(Cell {
                x: attr_i32(&n, "x")?,
                y: attr_i32(&n, "y")?,
                w: attr_i32(&n, "width")?,
                h: attr_i32(&n, "height")?,
                fill: parse_hex(n.attribute("fill")?)?,
            })
        })
        .collect()
}

/// The `rows × cols` cells of the (first) heatmap, row by row: the group of
/// equal-sized rectangles that forms a `rows × cols` grid.
pub fn cells(svg: &str, rows: usize, cols: usize) -> Vec<Vec<Cell>> {
    cells_all(svg, rows, cols)
        .into_iter()
        .next()
        .expect("a grid of cells of that shape")
}

/// Every `rows × cols` grid of equal rectangles in the document, left to right.
pub fn cells_all(svg: &str, rows: usize, cols: usize) -> Vec<Vec<Vec<Cell>>> {
    let mut all = rects(svg);
    // The first rectangle is the white background.
    if all.first().is_some_and(|c| c.x == 0 && c.y == 0) {
        all.remove(0);
    }
    let mut sizes: Vec<(i32, i32)> = all.iter().map(|c| (c.w, c.h)).collect();
    sizes.sort();
    sizes.dedup();
    let mut grids = Vec::new();
    for (w, h) in sizes {
        // Frame and grid lines (1 px) and colour-bar bands (2–3 px tall here)
        // are not cells.
        if w < 5 || h < 5 {
            continue;
        }
        let mut group: Vec<Cell> = all
            .iter()
            .filter(|c| c.w == w && c.h == h)
            .cloned()
            .collect();
        group.sort_by_key(|c| (c.x, c.y));
        // Split into grids: cells of one grid tile a rectangle with no gaps.
        while !group.is_empty() {
            let x0 = group[0].x;
            let y0 = group[0].y;
            let grid: Vec<Cell> = group
                .iter()
                .filter(|c| {
                    (c.x - x0) % w == 0
                        && (c.y - y0) % h == 0
                        && c.x >= x0
                        && c.x < x0 + w * cols as i32
                        && c.y >= y0
                        && c.y < y0 + h * rows as i32
                })
                .cloned()
                .collect();
            group.retain(|c| !grid.contains(c));
            if grid.len() == rows * cols {
                let mut g = grid;
                g.sort_by_key(|c| (c.y, c.x));
                grids.push((x0, g.chunks(cols).map(|r| r.to_vec()).collect()));
            }
        }
    }
    grids.sort_by_key(|(x, _)| *x);
    grids.into_iter().map(|(_, g)| g).collect()
}

/// The text content of every `<text>` element.
pub fn texts(svg: &str) -> Vec<String> {
    let doc = roxmltree::Document::parse(svg).expect("the SVG is well-formed XML");
    doc.descendants()
        .filter(|n| n.has_tag_name("text"))
        .map(|n| n.text().unwrap_or("").trim().to_string())
        .collect()
}

/// Sign check for a fill colour: white for zero, red-dominant for positive,
/// blue-dominant for negative.
pub fn fill_matches_sign(fill: [u8; 3], v: f64) -> bool {
    let [r, _, b] = fill;
    if v == 0.0 {
        fill == [255, 255, 255]
    } else if v > 0.0 {
        r > b && fill != [255, 255, 255]
    } else {
        b > r && fill != [255, 255, 255]
    }
}

/// An RGBA image.
pub struct Image {
    pub width: u32,
    pub height: u32,
    pub rgba: Vec<u8>,
}

impl Image {
    pub fn rgb(&self, x: i32, y: i32) -> [u8; 3] {
        let i = (y as usize * self.width as usize + x as usize) * 4;
        [self.rgba[i], self.rgba[i + 1], self.rgba[i + 2]]
    }
}

/// Rasterises an SVG with resvg, text drawn with the crate's DejaVu Sans.
pub fn rasterise(svg: &str) -> Image {
    let mut opt = resvg::usvg::Options::default();
    let font = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/assets/DejaVuSans.ttf"
    ))
    .expect("the embedded font file");
    opt.fontdb_mut().load_font_data(font);
    opt.fontdb_mut().set_sans_serif_family("DejaVu Sans");
    let tree = resvg::usvg::Tree::from_str(svg, &opt).expect("resvg parses the SVG");
    let size = tree.size().to_int_size();
    let mut pixmap =
        resvg::tiny_skia::Pixmap::new(size.width(), size.height()).expect("a non-empty picture");
    pixmap.fill(resvg::tiny_skia::Color::WHITE);
    resvg::render(
        &tree,
        resvg::tiny_skia::Transform::default(),
        &mut pixmap.as_mut(),
    );
    Image {
        width: size.width(),
        height: size.height(),
        rgba: pixmap.data().to_vec(),
    }
}

/// Encodes an RGBA image as PNG (to look at the rasterised SVG).
pub fn encode_rgba(img: &Image) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, img.width, img.height);
        enc.set_color(png::ColorType::Rgba);
        enc.set_depth(png::BitDepth::Eight);
        let mut w = enc.write_header().expect("png header");
        w.write_image_data(&img.rgba).expect("png data");
    }
    out
}

/// Decodes a PNG (indexed or not) to RGBA.
pub fn decode_png(bytes: &[u8]) -> Image {
    let mut dec = png::Decoder::new(std::io::Cursor::new(bytes.to_vec()));
    dec.set_transformations(png::Transformations::EXPAND | png::Transformations::ALPHA);
    let mut reader = dec.read_info().expect("a PNG header");
    let mut buf = vec![0; reader.output_buffer_size().expect("a sane size")];
    let info = reader.next_frame(&mut buf).expect("a PNG frame");
    assert_eq!(info.color_type, png::ColorType::Rgba);
    buf.truncate(info.buffer_size());
    Image {
        width: info.width,
        height: info.height,
        rgba: buf,
    }
}

/// `target/heatmaps/` of this workspace: where tests leave pictures to look at.
pub fn out_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../target")));
    let dir = target.join("heatmaps");
    std::fs::create_dir_all(&dir).expect("create target/heatmaps");
    dir
}

/// A deterministic pseudo-random matrix in [-1, 1) (xorshift).
pub fn noise(rows: usize, cols: usize, seed: u64) -> Vec<f64> {
    let mut s = seed.max(1);
    (0..rows * cols)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            (s >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0
        })
        .collect()
}
