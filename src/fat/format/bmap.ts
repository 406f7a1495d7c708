/**
 * The bmaptool block map (bmap-tools' format 2.0, as its BmapCreate writes it): image size, block
 * size, block counts, the checksum type, the file's own checksum (sha256 of the whole file with
 * that field written as 64 "0"s) and one `<Range chksum="...">` per run of mapped blocks, whose
 * checksum covers the run's bytes (up to the end of the image for the last block).
 */

/** A run of mapped blocks (inclusive) and the sha256 (hex) of its bytes. */
export interface BmapRange {
  first: number;
  last: number;
  sha256: string;
}

export interface BmapInput {
  imageBytes: number;
  blockSize: number;
  blockCount: number;
  ranges: BmapRange[];
}

const ZEROS = '0'.repeat(64);

/** bmaptool's human_size: `4.0 MiB`, `512 bytes`. */
export function humanSize(size: number): string {
  if (size === 1) return '1 byte';
  if (size < 512) return `${size} bytes`;
  let s = size;
  for (const unit of ['KiB', 'MiB', 'GiB', 'TiB']) {
    s /= 1024;
    if (s < 1024) return `${s.toFixed(1)} ${unit}`;
  }
  return `${s.toFixed(1)} EiB`;
}

/** The bmap file's text; `sha256` hashes bytes to lower-case hex (the host's crypto, or any implementation). */
export function renderBmap(input: BmapInput, sha256: (data: Uint8Array) => string): string {
  const { imageBytes, blockSize, blockCount, ranges } = input;
  const mapped = ranges.reduce((n, r) => n + r.last - r.first + 1, 0);
  const imageHuman = humanSize(imageBytes);
  const mappedComment = `${humanSize(mapped * blockSize)} or ${((mapped * 100) / blockCount).toFixed(1)}%`.padEnd(imageHuman.length + ' or '.length + '100.0%'.length);
  const head = `<?xml version="1.0" ?>
<!-- This file contains the block map for an image file, which is basically
     a list of useful (mapped) block numbers in the image file. In other words,
     it lists only those blocks which contain data (boot sector, partition
     table, file-system metadata, files, directories, extents, etc). These
     blocks have to be copied to the target device. The other blocks do not
     contain any useful data and do not have to be copied to the target
     device.

     The block map an optimization which allows to copy or flash the image to
     the image quicker than copying of flashing the entire image. This is
     because with bmap less data is copied: <MappedBlocksCount> blocks instead
     of <BlocksCount> blocks.

     Besides the machine-readable data, this file contains useful commentaries
     which contain human-readable information like image size, percentage of
     mapped data, etc.

     The 'version' attribute is the block map file format version in the
     'major.minor' format. The version major number is increased whenever an
     incompatible block map format change is made. The minor number changes
     in case of minor backward-compatible changes. -->

<bmap version="2.0">
    <!-- Image size in bytes: ${imageHuman} -->
    <ImageSize> ${imageBytes} </ImageSize>

    <!-- Size of a block in bytes -->
    <BlockSize> ${blockSize} </BlockSize>

    <!-- Count of blocks in the image file -->
    <BlocksCount> ${blockCount} </BlocksCount>

    <!-- Count of mapped blocks: ${mappedComment}   -->
    <MappedBlocksCount> ${String(mapped).padEnd(String(blockCount).length)} </MappedBlocksCount>

    <!-- Type of checksum used in this file -->
    <ChecksumType> sha256 </ChecksumType>

    <!-- The checksum of this bmap file. When it is calculated, the value of
         the checksum has be zero (all ASCII "0" symbols).  -->
    <BmapFileChecksum> `;
  const lines = ranges.map((r) => `        <Range chksum="${r.sha256}"> ${r.first === r.last ? r.first : `${r.first}-${r.last}`} </Range>\n`);
  const tail = `${ZEROS} </BmapFileChecksum>

    <!-- The block map which consists of elements which may either be a
         range of blocks or a single block. The 'chksum' attribute
         (if present) is the checksum of this blocks range. -->
    <BlockMap>
${lines.join('')}    </BlockMap>
</bmap>
`;
  const text = head + tail;
  const sum = sha256(new TextEncoder().encode(text));
  return head + sum + tail.slice(ZEROS.length);
}
