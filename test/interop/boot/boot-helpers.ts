/**
 * The firmware boot harness (issue 14): QEMU with OVMF boots `\EFI\BOOT\BOOTX64.EFI` from the ESP
 * of a whole-disk image, under TCG (no KVM needed). The EFI program is a GRUB image made by
 * `grub-mkstandalone -O x86_64-efi`; its embedded grub.cfg finds the partition that holds
 * MARKER_FILE, prints `root=...` and the file to the serial console, then halts (EFI
 * ResetSystem(shutdown), so QEMU exits on its own). The caller checks the serial text.
 *
 * Debian 12 packages: qemu-system-x86, ovmf, grub-efi-amd64-bin (the x86_64-efi modules) and
 * grub-common (grub-mkstandalone); `.ci/run` installs them when missing.
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { expect } from 'vitest';
import { oracleEnv } from '../../fat/oracle-helpers.js';
import { oracleGate, type OracleGate } from '../../fixtures/oracle.js';

/** The file of the ESP that grub.cfg prints (its name is also how GRUB finds the partition). */
export const MARKER_FILE = 'fatkit-boot.txt';
/** grub.cfg echoes these around the file's text. */
export const BOOT_START = 'FATKIT-BOOT-START';
export const BOOT_END = 'FATKIT-BOOT-END';

const GRUB_PLATFORM_DIR = '/usr/lib/grub/x86_64-efi';
/** OVMF code and variable-store templates, newest layout first (Debian 12: the 4M pair). */
const OVMF_PAIRS: ReadonlyArray<readonly [string, string]> = [
  ['/usr/share/OVMF/OVMF_CODE_4M.fd', '/usr/share/OVMF/OVMF_VARS_4M.fd'],
  ['/usr/share/OVMF/OVMF_CODE.fd', '/usr/share/OVMF/OVMF_VARS.fd'],
];

export interface Firmware {
  code: string;
  vars: string;
}

export function findFirmware(): Firmware | undefined {
  const pair = OVMF_PAIRS.find(([c, v]) => fs.existsSync(c) && fs.existsSync(v));
  return pair ? { code: pair[0], vars: pair[1] } : undefined;
}

/**
 * The oracleGate for the boot test: the tools, OVMF and GRUB's x86_64-efi modules. Under CI=true
 * anything missing fails the run (assertUnderCi), never skips it.
 */
export function bootGate(): OracleGate {
  const tools = oracleGate(['qemu-system-x86_64', 'grub-mkstandalone', 'fdisk', 'mkfs.fat', 'mcopy']);
  const missing = [...tools.missing];
  if (!findFirmware()) missing.push('OVMF firmware (package ovmf)');
  if (!fs.existsSync(path.join(GRUB_PLATFORM_DIR, 'normal.mod'))) missing.push(`${GRUB_PLATFORM_DIR} (package grub-efi-amd64-bin)`);
  const ci = tools.ci;
  return {
    missing,
    ci,
    run: missing.length === 0 || ci,
    assertUnderCi() {
      if (ci && missing.length > 0) throw new Error(`boot test tools missing under CI=true: ${missing.join(', ')} (install qemu-system-x86 ovmf grub-efi-amd64-bin grub-common)`);
    },
  };
}

const GRUB_CFG = `set timeout=0
serial --unit=0 --speed=115200
terminal_input serial
terminal_output serial
echo ${BOOT_START}
search --no-floppy --file --set=root /${MARKER_FILE}
echo "root=$root"
cat ($root)/${MARKER_FILE}
echo ${BOOT_END}
halt
`;

/** GRUB's modules the image carries: the config's commands and the partition and FAT readers. */
const GRUB_MODULES = ['normal', 'configfile', 'echo', 'cat', 'search', 'search_fs_file', 'serial', 'terminal', 'halt', 'part_gpt', 'part_msdos', 'fat'];

/** `\EFI\BOOT\BOOTX64.EFI` (about 600 KiB) made by grub-mkstandalone with GRUB_CFG embedded. */
export function makeGrubEfi(workDir: string): string {
  const cfg = path.join(workDir, 'grub.cfg');
  fs.writeFileSync(cfg, GRUB_CFG);
  const out = path.join(workDir, 'BOOTX64.EFI');
  const r = spawnSync('grub-mkstandalone', [
    '-O', 'x86_64-efi', `--install-modules=${GRUB_MODULES.join(' ')}`, '--modules=part_gpt part_msdos fat',
    '--locales=', '--fonts=', '--themes=', '-o', out, `boot/grub/grub.cfg=${cfg}`,
  ], { env: oracleEnv, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`grub-mkstandalone failed: ${r.stderr || r.error}`);
  return out;
}

/** An ESP tree: EFI/BOOT/BOOTX64.EFI and MARKER_FILE holding `text`. */
export function makeEspTree(root: string, grubEfi: string, text: string): void {
  fs.mkdirSync(path.join(root, 'EFI', 'BOOT'), { recursive: true });
  fs.copyFileSync(grubEfi, path.join(root, 'EFI', 'BOOT', 'BOOTX64.EFI'));
  fs.writeFileSync(path.join(root, MARKER_FILE), text);
}

export type Scheme = 'gpt' | 'mbr';
export type SectorSize = 512 | 4096;

/**
 * A bootable disk made by the standard tools, to prove the harness: `fdisk -b SECTOR` writes the
 * table (GPT type "EFI System" or MBR type 0xEF) with one partition at 1 MiB, `mkfs.fat -F 32 -s 1
 * -S SECTOR` formats the partition's bytes in a file of their own (at least 65,525 clusters: 36 MiB
 * at 512, 270 MiB at 4096, sparse) and `mcopy -s` fills it; the partition is then copied in.
 */
export function referenceDisk(disk: string, espTree: string, scheme: Scheme, sector: SectorSize): void {
  const partBytes = sector === 512 ? 36 << 20 : 270 << 20;
  const start = (1 << 20) / sector;
  const sectors = partBytes / sector;
  fs.rmSync(disk, { force: true });
  fs.writeFileSync(disk, '');
  fs.truncateSync(disk, partBytes + (4 << 20));
  const script = scheme === 'mbr'
    ? `o\nn\np\n1\n${start}\n+${sectors - 1}\nt\nef\nw\n`
    : `g\nn\n1\n${start}\n+${sectors - 1}\nt\n1\nw\n`;
  const f = spawnSync('fdisk', ['-b', String(sector), disk], { input: script, env: oracleEnv, encoding: 'utf8' });
  if (f.status !== 0) throw new Error(`fdisk failed: ${f.stderr}`);
  const part = `${disk}.part`;
  fs.rmSync(part, { force: true });
  fs.writeFileSync(part, '');
  fs.truncateSync(part, partBytes);
  const run = (cmd: string, args: string[]): void => {
    const r = spawnSync(cmd, args, { env: { ...oracleEnv, MTOOLS_SKIP_CHECK: '1', MTOOLSRC: '/dev/null' }, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr || r.error}`);
  };
  run('mkfs.fat', ['-F', '32', '-s', '1', '-S', String(sector), '-n', 'ESP', part]);
  run('mcopy', ['-s', '-i', part, ...fs.readdirSync(espTree).map((n) => path.join(espTree, n)), '::/']);
  // Copy the partition in, block by block, skipping zero blocks so the disk stays sparse.
  const src = fs.openSync(part, 'r');
  const dst = fs.openSync(disk, 'r+');
  try {
    const buf = Buffer.alloc(1 << 20);
    for (let off = 0; off < partBytes; off += buf.length) {
      const n = fs.readSync(src, buf, 0, buf.length, off);
      if (buf.subarray(0, n).some((b) => b !== 0)) fs.writeSync(dst, buf, 0, n, (1 << 20) + off);
    }
  } finally {
    fs.closeSync(src);
    fs.closeSync(dst);
    fs.rmSync(part, { force: true });
  }
}

/**
 * The QEMU command line: q35, no default devices, no network (no PXE attempts), the disk on
 * virtio-blk-pci with its logical (and physical) block size set to the disk's sector size, which
 * OVMF's VirtioBlkDxe honours; the serial port on stdout.
 */
export function qemuArgs(disk: string, sector: SectorSize, fw: Firmware, varsCopy: string): string[] {
  const blk = sector === 512 ? '' : `,logical_block_size=${sector},physical_block_size=${sector}`;
  return [
    '-nodefaults', '-machine', 'q35', '-accel', 'tcg', '-m', '256', '-display', 'none', '-no-reboot',
    '-drive', `if=pflash,format=raw,readonly=on,file=${fw.code}`,
    '-drive', `if=pflash,format=raw,file=${varsCopy}`,
    '-drive', `file=${disk},format=raw,if=none,id=disk0`,
    '-device', `virtio-blk-pci,drive=disk0${blk}`,
    '-serial', 'stdio', '-monitor', 'none',
  ];
}

export interface BootResult {
  /** The serial console's text, control sequences and carriage returns removed. */
  serial: string;
  ms: number;
  /** How it ended: QEMU exited by itself, the harness killed it at the timeout, or at a sign of failure. */
  end: 'exit' | 'timeout' | 'firmware-gave-up' | 'too-much-output';
  exitCode: number | null;
  command: string;
}

/** Serial lines after which no boot will come: OVMF's shell or its boot manager menu. */
const GAVE_UP = /Shell> |UEFI Interactive Shell|Boot Manager Menu|No bootable option/;
const MAX_SERIAL = 1 << 20;

/** Serial text without ANSI/VT100 control sequences and carriage returns. */
export function cleanSerial(raw: string): string {
  return raw.replace(/\x1b\[[0-9;=?]*[A-Za-z]/g, '').replace(/\x1b[()][A-Z0-9]/g, '').replace(/\r/g, '');
}

/**
 * Boot `disk` and return the serial output. QEMU gets a fresh copy of the OVMF variable store, is
 * killed (SIGKILL) at `timeoutMs`, when OVMF gives up (its shell or menu shows) or after 1 MiB of
 * output, and is always gone when the promise settles.
 */
export function bootDisk(disk: string, sector: SectorSize, workDir: string, timeoutMs = 120_000): Promise<BootResult> {
  const fw = findFirmware();
  if (!fw) throw new Error('OVMF firmware not installed (package ovmf)');
  const vars = path.join(workDir, `vars-${path.basename(disk)}.fd`);
  fs.copyFileSync(fw.vars, vars);
  const args = qemuArgs(disk, sector, fw, vars);
  const command = ['qemu-system-x86_64', ...args].join(' ');
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn('qemu-system-x86_64', args, { env: oracleEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    let raw = '';
    let stderr = '';
    let end: BootResult['end'] = 'exit';
    const kill = (why: BootResult['end']): void => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      end = why;
      child.kill('SIGKILL');
    };
    const timer = setTimeout(() => kill('timeout'), timeoutMs);
    child.stdout.setEncoding('latin1');
    child.stdout.on('data', (chunk: string) => {
      if (raw.length < MAX_SERIAL) raw += chunk.slice(0, MAX_SERIAL - raw.length);
      if (raw.length >= MAX_SERIAL) kill('too-much-output');
      else if (GAVE_UP.test(cleanSerial(raw.slice(-4096)))) kill('firmware-gave-up');
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      if (stderr.length < 65536) stderr += chunk;
    });
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      fs.rmSync(vars, { force: true });
      const serial = cleanSerial(raw) + (stderr ? `\n[qemu stderr] ${stderr}` : '');
      resolve({ serial, ms: Date.now() - started, end, exitCode: code, command });
    });
  });
}

/**
 * What every boot must show: GRUB started from the ESP, found MARKER_FILE on partition 1 of the
 * expected table (hd0,gpt1 or hd0,msdos1), printed `text` and halted, QEMU exiting by itself.
 */
export function expectBooted(r: BootResult, scheme: Scheme, text: string): void {
  const ctx = `${r.command}\n--- serial (${r.end}, ${r.ms} ms) ---\n${r.serial}`;
  expect(r.end, ctx).toBe('exit');
  expect(r.exitCode, ctx).toBe(0);
  const after = r.serial.slice(r.serial.indexOf(`\n${BOOT_START}`) + 1);
  expect(r.serial, ctx).toContain(`\n${BOOT_START}\n`);
  expect(after, ctx).toContain(`root=hd0,${scheme === 'gpt' ? 'gpt1' : 'msdos1'}\n`);
  expect(after, ctx).toContain(text);
  expect(after.indexOf(BOOT_END, after.indexOf(text)), ctx).toBeGreaterThan(0);
}
