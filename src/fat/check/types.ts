/**
 * What `check` reports (check.ts). Codes are stable: tools may match on them.
 *
 * | code | what | repair (as `fsck.fat -a` unless noted) |
 * |---|---|---|
 * | BOOT_SECTOR | the boot sector cannot be mounted (the check stops) | none |
 * | BOOT_BACKUP | FAT32 backup boot sector differs from the boot sector | copy the boot sector (fsck -a leaves it) |
 * | FATS_DIFFER | the FAT copies differ | copy the first intact FAT over the others |
 * | FAT_MEDIA | FAT[0] does not repeat the media byte | rewrite FAT[0] |
 * | CHAIN_OUT_OF_RANGE | a FAT entry links to cluster 1 or past the last cluster | end the chain there |
 * | BAD_START | a file starts at cluster 1 or past the last cluster | truncate the file to 0 bytes |
 * | FREE_IN_CHAIN / BAD_IN_CHAIN | a chain runs into a free / bad cluster | end the chain before it |
 * | CHAIN_LOOP | a chain links back into itself | end the chain at the looping link |
 * | CROSS_LINK | two chains share clusters | truncate the second where they meet |
 * | SIZE_MISMATCH | the chain is longer or shorter than the file size needs | free the excess / set the size to the chain |
 * | DIR_SIZE | a directory entry has a non-zero size | set it to 0 |
 * | DIR_START_ROOT | a subdirectory starts at cluster 0 (the root) | delete the entry |
 * | DIR_LOOP | a subdirectory starts at its containing directory or that one's parent | delete the entry |
 * | BAD_DOT | slot 0/1 of a subdirectory is not a valid `.`/`..` | create or fix it (another entry there is moved down) |
 * | BAD_NAME | a short name with illegal bytes | rename to FSCKnnnn.nnn |
 * | BAD_LONG_NAME | a long name no host can use (`/`, `\`, NUL, `.`, `..`) | drop the long-name slots (not in fsck) |
 * | DUPLICATE_NAME | two entries with one short name | rename the second to FSCKnnnn.nnn |
 * | MANY_BAD_NAMES | a directory with many bad names (warning) | none |
 * | LFN_ORPHAN / LFN_ORDER / LFN_CHECKSUM | long-name slots without an entry, out of order, with a wrong checksum | delete the slots |
 * | ENTRIES_AFTER_END | entries after the end-of-directory marker (readers disagree on them) | clear them |
 * | LOST_CLUSTERS | clusters in use that no file owns | free them |
 * | DIRTY | the volume was not cleanly unmounted | clear the dirty bits |
 * | FSINFO_SIGNATURE / FSINFO_FREE / FSINFO_NEXT | FAT32 FSInfo bad, its free count wrong, its next-free hint invalid | rewrite |
 * | LABEL_MISMATCH | the boot sector label differs from the root label entry | copy the root label to the boot sector |
 * | BAD_LABEL | a label fsck.fat 4.2 rejects (bytes outside printable ASCII, `"*+,./:;<=>?[\]|`, blank, leading space) | remove it (root entry and boot sector) |
 * | CHECK_ABORTED | the check stopped on an unexpected error (e.g. an I/O error) | none |
 * | ESP_CLUSTERS | an EFI System Partition holds FAT32 of fewer than 65525 clusters (warning, added by `fat check` for a partitioned image; it leaves the volume clean) | none |
 */
export type CheckCode =
  | 'BOOT_SECTOR' | 'BOOT_BACKUP' | 'FATS_DIFFER' | 'FAT_MEDIA' | 'CHAIN_OUT_OF_RANGE' | 'BAD_START'
  | 'FREE_IN_CHAIN' | 'BAD_IN_CHAIN' | 'CHAIN_LOOP' | 'CROSS_LINK' | 'SIZE_MISMATCH' | 'DIR_SIZE'
  | 'DIR_START_ROOT' | 'DIR_LOOP' | 'BAD_DOT' | 'BAD_NAME' | 'BAD_LONG_NAME' | 'DUPLICATE_NAME' | 'MANY_BAD_NAMES'
  | 'LFN_ORPHAN' | 'LFN_ORDER' | 'LFN_CHECKSUM' | 'ENTRIES_AFTER_END' | 'LOST_CLUSTERS' | 'DIRTY'
  | 'FSINFO_SIGNATURE' | 'FSINFO_FREE' | 'FSINFO_NEXT' | 'LABEL_MISMATCH' | 'BAD_LABEL' | 'CHECK_ABORTED'
  | 'ESP_CLUSTERS';

export interface CheckProblem {
  code: CheckCode;
  /** 'error': data is at risk or readers disagree; 'warning': harmless or cosmetic. */
  severity: 'error' | 'warning';
  /** The volume path of the entry concerned (long names, `/`-separated). */
  path?: string;
  cluster?: number;
  /** One line, lower case. */
  message: string;
  /** Set when repairing: whether this problem was fixed. */
  repaired?: boolean;
}

export interface CheckStats {
  /** Files and directories found (as fsck.fat counts "files": dot entries and labels excluded). */
  files: number;
  directories: number;
  /** Clusters in use (not free) after the check (and repair), of `clustersTotal`. */
  clustersUsed: number;
  clustersTotal: number;
  clustersFree: number;
  /** Clusters in use that no file owned. */
  clustersLost: number;
  clustersBad: number;
}

export interface CheckReport {
  problems: CheckProblem[];
  stats: CheckStats;
  /** No problem found (warnings included). */
  clean: boolean;
  /** Repair was asked for and wrote changes. */
  repaired: boolean;
}

export interface CheckOptions {
  /** Fix what can be fixed, as `fsck.fat -a` does (the volume must be writable). */
  repair?: boolean;
  /** At most this many problems are listed (default 10,000); the rest are counted in the last one. */
  maxProblems?: number;
}
