import CPNG
import Foundation

/// An RGB picture drawn by the project (no font files, no network): filled rectangles and a
/// small built-in 5 x 7 pixel font, encoded with libpng's simplified API.
public struct RGBImage {
    public let width: Int, height: Int
    public var pixels: [UInt8]

    public init(width: Int, height: Int, fill: (UInt8, UInt8, UInt8) = (255, 255, 255)) {
        self.width = width; self.height = height
        pixels = [UInt8](repeating: 0, count: width * height * 3)
        for p in 0..<(width * height) { pixels[3 * p] = fill.0; pixels[3 * p + 1] = fill.1; pixels[3 * p + 2] = fill.2 }
    }

    public mutating func set(_ x: Int, _ y: Int, _ c: (UInt8, UInt8, UInt8)) {
        guard x >= 0, y >= 0, x < width, y < height else { return }
        let p = 3 * (y * width + x)
        pixels[p] = c.0; pixels[p + 1] = c.1; pixels[p + 2] = c.2
    }

    public mutating func rect(_ x: Int, _ y: Int, _ w: Int, _ h: Int, _ c: (UInt8, UInt8, UInt8)) {
        // Clipped to the image (text may run past a narrow image's edge).
        let x0 = max(0, x), x1 = min(width, x + w), y0 = max(0, y), y1 = min(height, y + h)
        guard x0 < x1, y0 < y1 else { return }
        for yy in y0..<y1 { for xx in x0..<x1 { set(xx, yy, c) } }
    }

    /// Draws text at (x, y), `scale` pixels per font pixel. Unknown characters draw as blanks.
    public mutating func text(_ s: String, x: Int, y: Int, scale: Int = 2, color: (UInt8, UInt8, UInt8) = (0, 0, 0)) {
        var cx = x
        for ch in s {
            if let rows = Self.font[ch] {
                for (r, bits) in rows.enumerated() {
                    for col in 0..<5 where bits & (1 << (4 - col)) != 0 {
                        rect(cx + col * scale, y + r * scale, scale, scale, color)
                    }
                }
            }
            cx += 6 * scale
        }
    }

    /// The PNG file.
    public func png() -> Data? {
        var image = png_image()
        image.version = woundsim_png_image_version()
        image.width = UInt32(width)
        image.height = UInt32(height)
        image.format = woundsim_png_format_rgb()
        var size = 0
        let ok1 = pixels.withUnsafeBufferPointer { p in png_image_write_to_memory(&image, nil, &size, 0, p.baseAddress, Int32(width * 3), nil) }
        guard ok1 != 0, size > 0 else { png_image_free(&image); return nil }
        var out = Data(count: size)
        let ok2 = out.withUnsafeMutableBytes { o in
            pixels.withUnsafeBufferPointer { p in png_image_write_to_memory(&image, o.baseAddress, &size, 0, p.baseAddress, Int32(width * 3), nil) }
        }
        png_image_free(&image)
        return ok2 != 0 ? out.prefix(size) : nil
    }

    /// 5 x 7 glyphs, one row per entry, bit 4 = leftmost pixel.
    static let font: [Character: [UInt8]] = [
        "0": [14, 17, 19, 21, 25, 17, 14], "1": [4, 12, 4, 4, 4, 4, 14], "2": [14, 17, 1, 2, 4, 8, 31],
        "3": [31, 2, 4, 2, 1, 17, 14], "4": [2, 6, 10, 18, 31, 2, 2], "5": [31, 16, 30, 1, 1, 17, 14],
        "6": [6, 8, 16, 30, 17, 17, 14], "7": [31, 1, 2, 4, 8, 8, 8], "8": [14, 17, 17, 14, 17, 17, 14],
        "9": [14, 17, 17, 15, 1, 2, 12], ".": [0, 0, 0, 0, 0, 12, 12], "-": [0, 0, 0, 31, 0, 0, 0],
        "/": [1, 1, 2, 4, 8, 16, 16], ":": [0, 12, 12, 0, 12, 12, 0], "%": [24, 25, 2, 4, 8, 19, 3],
        "=": [0, 0, 31, 0, 31, 0, 0], "e": [0, 0, 14, 17, 31, 16, 14], "+": [0, 4, 4, 31, 4, 4, 0],
        "A": [14, 17, 17, 31, 17, 17, 17], "B": [30, 17, 17, 30, 17, 17, 30], "C": [14, 17, 16, 16, 16, 17, 14],
        "D": [28, 18, 17, 17, 17, 18, 28], "E": [31, 16, 16, 30, 16, 16, 31], "F": [31, 16, 16, 30, 16, 16, 16],
        "G": [14, 17, 16, 23, 17, 17, 15], "H": [17, 17, 17, 31, 17, 17, 17], "I": [14, 4, 4, 4, 4, 4, 14],
        "K": [17, 18, 20, 24, 20, 18, 17], "L": [16, 16, 16, 16, 16, 16, 31], "M": [17, 27, 21, 21, 17, 17, 17],
        "N": [17, 17, 25, 21, 19, 17, 17], "O": [14, 17, 17, 17, 17, 17, 14], "P": [30, 17, 17, 30, 16, 16, 16],
        "R": [30, 17, 17, 30, 20, 18, 17], "S": [15, 16, 16, 14, 1, 1, 30], "T": [31, 4, 4, 4, 4, 4, 4],
        "V": [17, 17, 17, 17, 17, 10, 4], "W": [17, 17, 17, 21, 21, 21, 10], "Y": [17, 17, 10, 4, 4, 4, 4],
        "a": [0, 0, 14, 1, 15, 17, 15], "b": [16, 16, 22, 25, 17, 17, 30], "c": [0, 0, 14, 16, 16, 17, 14],
        "d": [1, 1, 13, 19, 17, 17, 15], "f": [6, 9, 8, 28, 8, 8, 8], "g": [0, 15, 17, 17, 15, 1, 14],
        "h": [16, 16, 22, 25, 17, 17, 17], "i": [4, 0, 12, 4, 4, 4, 14], "k": [16, 16, 18, 20, 24, 20, 18],
        "l": [12, 4, 4, 4, 4, 4, 14], "m": [0, 0, 26, 21, 21, 17, 17], "n": [0, 0, 22, 25, 17, 17, 17],
        "o": [0, 0, 14, 17, 17, 17, 14], "p": [0, 0, 30, 17, 30, 16, 16], "r": [0, 0, 22, 25, 16, 16, 16],
        "s": [0, 0, 14, 16, 14, 1, 30], "t": [8, 8, 28, 8, 8, 9, 6], "u": [0, 0, 17, 17, 17, 19, 13],
        "v": [0, 0, 17, 17, 17, 10, 4], "w": [0, 0, 17, 17, 21, 21, 10], "y": [0, 0, 17, 17, 15, 1, 14],
        "x": [0, 0, 17, 10, 4, 10, 17], "z": [0, 0, 31, 2, 4, 8, 31], " ": [0, 0, 0, 0, 0, 0, 0],
    ]
}
