// Tests of the image header reader (native/core/image.c, SPEC M4): the width
// and height of real JPEG (baseline and progressive), PNG and BMP files
// written by the JDK's javax.imageio (tests/core/images/), of hand-made
// headers for the layouts those files do not have (metadata before a JPEG's
// frame, OS/2 and top-down BMPs), and never a size from bytes cut short or
// malformed.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

extern "C" {
#include "image.h"
}

namespace {

using Bytes = std::vector<uint8_t>;

Bytes ReadFile(const std::string &name)
{
    std::ifstream f(std::string(RTM_TEST_IMAGES) + "/" + name, std::ios::binary);
    EXPECT_TRUE(f.good()) << name;
    return Bytes(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}

struct Size {
    rtm__image_kind kind;
    uint32_t w, h;
};

Size Of(const Bytes &b)
{
    Size s{};
    s.kind = rtm__image_size(b.data(), b.size(), &s.w, &s.h);
    return s;
}

// Every prefix of b shorter than the whole: unknown, or the right size (a
// prefix that already holds the header); never another size, never a crash.
void EveryPrefix(const Bytes &b, Size want)
{
    for (size_t n = 0; n < b.size(); n++) {
        Size s{};
        s.kind = rtm__image_size(b.data(), n, &s.w, &s.h);
        if (s.kind != RTM__IMAGE_UNKNOWN) {
            EXPECT_EQ(want.kind, s.kind) << n;
            EXPECT_EQ(want.w, s.w) << n;
            EXPECT_EQ(want.h, s.h) << n;
        } else {
            EXPECT_EQ(0u, s.w);
            EXPECT_EQ(0u, s.h);
        }
    }
}

TEST(Image, M4_RealFiles)
{
    struct {
        const char *file;
        Size want;
    } cases[] = {
        {"baseline-33x17.jpg", {RTM__IMAGE_JPEG, 33, 17}},
        {"progressive-640x3.jpg", {RTM__IMAGE_JPEG, 640, 3}},
        {"rgb-41x9.png", {RTM__IMAGE_PNG, 41, 9}},
        {"v3-12x34.bmp", {RTM__IMAGE_BMP, 12, 34}},
    };
    for (auto &c : cases) {
        Bytes b = ReadFile(c.file);
        ASSERT_FALSE(b.empty()) << c.file;
        Size s = Of(b);
        EXPECT_EQ(c.want.kind, s.kind) << c.file;
        EXPECT_EQ(c.want.w, s.w) << c.file;
        EXPECT_EQ(c.want.h, s.h) << c.file;
        EveryPrefix(b, c.want);
    }
}

// A JPEG segment: FF, the marker, a length that counts itself, the body.
void Segment(Bytes *b, uint8_t marker, size_t body_len, uint8_t fill = 0)
{
    b->push_back(0xff);
    b->push_back(marker);
    size_t len = body_len + 2;
    b->push_back(static_cast<uint8_t>(len >> 8));
    b->push_back(static_cast<uint8_t>(len));
    b->insert(b->end(), body_len, fill);
}

Bytes JpegWithFrame(uint8_t sof, uint16_t w, uint16_t h)
{
    Bytes b = {0xff, 0xd8};
    Segment(&b, 0xe0, 14, 'J');             // APP0
    Segment(&b, 0xe1, 65533, 0xff);         // APP1 at its largest, full of FF
    Segment(&b, 0xe2, 40000, 0xc0);         // APP2 (ICC), full of would-be SOFs
    Segment(&b, 0xdb, 65);                  // DQT
    Segment(&b, 0xc4, 30, 0x11);            // DHT: not a frame
    b.push_back(0xff);                      // fill bytes before a marker
    b.push_back(0xff);
    b.push_back(0xd3);                      // RST3: standalone
    b.insert(b.end(), {0xff, sof, 0x00, 0x11, 0x08, static_cast<uint8_t>(h >> 8),
                       static_cast<uint8_t>(h), static_cast<uint8_t>(w >> 8),
                       static_cast<uint8_t>(w), 0x03});
    b.insert(b.end(), 9, 0x01);
    return b;
}

TEST(Image, M4_JpegFrameAfterLargeMetadata)
{
    for (uint8_t sof : {0xc0, 0xc1, 0xc2, 0xc3, 0xc5, 0xc7, 0xc9, 0xcb, 0xcd, 0xcf}) {
        Bytes b = JpegWithFrame(sof, 4000, 3000);
        Size s = Of(b);
        EXPECT_EQ(RTM__IMAGE_JPEG, s.kind) << int(sof);
        EXPECT_EQ(4000u, s.w);
        EXPECT_EQ(3000u, s.h);
    }
    EveryPrefix(JpegWithFrame(0xc2, 1, 65535), {RTM__IMAGE_JPEG, 1, 65535});
}

TEST(Image, M4_JpegWithoutAFrameHasNoSize)
{
    Bytes eoi = {0xff, 0xd8, 0xff, 0xd9};
    EXPECT_EQ(RTM__IMAGE_UNKNOWN, Of(eoi).kind);
    Bytes sos = {0xff, 0xd8};
    Segment(&sos, 0xda, 10);
    EXPECT_EQ(RTM__IMAGE_UNKNOWN, Of(sos).kind);
    Bytes zero = JpegWithFrame(0xc0, 0, 10); // a width of 0 (DNL): no size
    EXPECT_EQ(RTM__IMAGE_UNKNOWN, Of(zero).kind);
    Bytes bad = {0xff, 0xd8, 0xff, 0xe0, 0x00, 0x01}; // a length below 2
    EXPECT_EQ(RTM__IMAGE_UNKNOWN, Of(bad).kind);
    Bytes past = {0xff, 0xd8, 0xff, 0xe0, 0xff, 0xff, 0x00}; // a segment past the end
    EXPECT_EQ(RTM__IMAGE_UNKNOWN, Of(past).kind);
}

Bytes Bmp(uint32_t dib, int32_t w, int32_t h)
{
    Bytes b = {'B', 'M'};
    b.insert(b.end(), 12, 0);
    auto le = [&](uint32_t v, int n) {
        for (int i = 0; i < n; i++)
            b.push_back(static_cast<uint8_t>(v >> (8 * i)));
    };
    le(dib, 4);
    if (dib == 12) {
        le(static_cast<uint32_t>(w), 2);
        le(static_cast<uint32_t>(h), 2);
    } else {
        le(static_cast<uint32_t>(w), 4);
        le(static_cast<uint32_t>(h), 4);
    }
    b.insert(b.end(), dib, 0);
    return b;
}

TEST(Image, M4_BmpHeaders)
{
    Size os2 = Of(Bmp(12, 640, 480));
    EXPECT_EQ(RTM__IMAGE_BMP, os2.kind);
    EXPECT_EQ(640u, os2.w);
    EXPECT_EQ(480u, os2.h);
    Size v5 = Of(Bmp(124, 1920, -1080)); // BITMAPV5HEADER, top-down
    EXPECT_EQ(RTM__IMAGE_BMP, v5.kind);
    EXPECT_EQ(1920u, v5.w);
    EXPECT_EQ(1080u, v5.h);
    EXPECT_EQ(RTM__IMAGE_UNKNOWN, Of(Bmp(40, -5, 5)).kind);
    EXPECT_EQ(RTM__IMAGE_UNKNOWN, Of(Bmp(40, 5, INT32_MIN)).kind);
    EXPECT_EQ(RTM__IMAGE_UNKNOWN, Of(Bmp(16, 5, 5)).kind); // no such header size
    EveryPrefix(Bmp(40, 7, 9), {RTM__IMAGE_BMP, 7, 9});
}

TEST(Image, M4_PngNeedsItsIhdrFirst)
{
    Bytes b = ReadFile("rgb-41x9.png");
    ASSERT_GT(b.size(), 24u);
    Bytes other = b;
    other[12] = 'i'; // "iHDR": not the header chunk
    EXPECT_EQ(RTM__IMAGE_UNKNOWN, Of(other).kind);
    Bytes huge = b;
    huge[16] = 0x80; // a width of 2^31 and more
    EXPECT_EQ(RTM__IMAGE_UNKNOWN, Of(huge).kind);
}

TEST(Image, RandomBytesAreNoImageOrAConsistentOne)
{
    std::mt19937 rng(7);
    for (int round = 0; round < 2000; round++) {
        Bytes b(rng() % 64);
        for (auto &x : b)
            x = static_cast<uint8_t>(rng());
        if (round % 3 == 0 && b.size() >= 2) { // a JPEG start, then noise
            b[0] = 0xff;
            b[1] = 0xd8;
        }
        Size s = Of(b);
        if (s.kind == RTM__IMAGE_UNKNOWN) {
            EXPECT_EQ(0u, s.w + s.h);
        } else {
            EXPECT_GT(s.w, 0u);
            EXPECT_GT(s.h, 0u);
        }
    }
    uint32_t w = 1, h = 1;
    EXPECT_EQ(RTM__IMAGE_UNKNOWN, rtm__image_size(nullptr, 10, &w, &h));
    EXPECT_EQ(0u, w + h);
}

} // namespace
