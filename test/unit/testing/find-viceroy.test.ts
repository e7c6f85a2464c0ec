/** The order in which every part of the project looks for Viceroy (src/testing/find-viceroy.ts), over a made-up file system. */
import { describe, expect, it } from 'vitest';
import { findCargo, findViceroy, isVersionAtLeast, type ViceroyLookupContext } from '../../../src/testing/find-viceroy.js';

function context(files: string[], env: Record<string, string> = {}, platform: NodeJS.Platform = 'linux'): ViceroyLookupContext {
  return { env: { PATH: '/usr/local/bin:/usr/bin', ...env }, homedir: '/home/u', platform, isExecutable: (file) => files.includes(file) };
}

const ALL = ['/usr/bin/viceroy', '/home/u/.cargo/bin/viceroy', '/home/u/.config/fastly/viceroy'];

describe('findViceroy', () => {
  it('takes $VICEROY first, as given, even when others exist', () => {
    expect(findViceroy(context(ALL, { VICEROY: '/opt/v/viceroy' }))).toEqual({ path: '/opt/v/viceroy', source: 'VICEROY' });
  });

  it('then PATH, in PATH order, before ~/.cargo/bin and the Fastly CLI copy', () => {
    expect(findViceroy(context(ALL))).toEqual({ path: '/usr/bin/viceroy', source: 'PATH' });
    expect(findViceroy(context([...ALL, '/usr/local/bin/viceroy']))).toEqual({ path: '/usr/local/bin/viceroy', source: 'PATH' });
  });

  it('then ~/.cargo/bin, or $CARGO_INSTALL_ROOT/bin and $CARGO_HOME/bin when set', () => {
    expect(findViceroy(context(ALL.slice(1)))).toEqual({ path: '/home/u/.cargo/bin/viceroy', source: 'cargo' });
    expect(findViceroy(context(['/c/bin/viceroy', ...ALL.slice(1)], { CARGO_HOME: '/c' }))).toEqual({ path: '/c/bin/viceroy', source: 'cargo' });
    expect(findViceroy(context(['/r/bin/viceroy', '/c/bin/viceroy'], { CARGO_HOME: '/c', CARGO_INSTALL_ROOT: '/r' }))).toEqual({ path: '/r/bin/viceroy', source: 'cargo' });
    // With CARGO_HOME set, ~/.cargo is not cargo's.
    expect(findViceroy(context(['/home/u/.cargo/bin/viceroy'], { CARGO_HOME: '/c' }))).toBeUndefined();
  });

  it("then the Fastly CLI's copy in the user config dir (XDG_CONFIG_HOME when absolute), or ~/.fastly", () => {
    expect(findViceroy(context(ALL.slice(2)))).toEqual({ path: '/home/u/.config/fastly/viceroy', source: 'fastly-cli' });
    expect(findViceroy(context(['/x/fastly/viceroy', ...ALL.slice(2)], { XDG_CONFIG_HOME: '/x' }))).toEqual({ path: '/x/fastly/viceroy', source: 'fastly-cli' });
    expect(findViceroy(context(['/home/u/.fastly/viceroy']))).toEqual({ path: '/home/u/.fastly/viceroy', source: 'fastly-cli' });
    // A relative XDG_CONFIG_HOME is refused by the CLI, which then uses ~/.fastly, not ~/.config.
    expect(findViceroy(context(['/home/u/.config/fastly/viceroy'], { XDG_CONFIG_HOME: 'rel' }))).toBeUndefined();
  });

  it("knows the Fastly CLI's folders on macOS and Windows, and Windows' PATH form", () => {
    expect(findViceroy(context(['/home/u/Library/Application Support/fastly/viceroy'], {}, 'darwin'))?.source).toBe('fastly-cli');
    const windows = context(['C:\\bin\\viceroy.exe', 'C:\\Users\\u\\AppData\\Roaming\\fastly\\viceroy.exe'], { PATH: 'C:\\tools;C:\\bin' }, 'win32');
    expect(findViceroy(windows)).toEqual({ path: 'C:\\bin\\viceroy.exe', source: 'PATH' });
    const fromAppData = context(['C:\\Users\\u\\AppData\\Roaming\\fastly\\viceroy.exe'], { PATH: 'C:\\tools', AppData: 'C:\\Users\\u\\AppData\\Roaming' }, 'win32');
    expect(findViceroy(fromAppData)?.source).toBe('fastly-cli');
  });

  it('finds nothing on an empty machine, and skips an empty $VICEROY', () => {
    expect(findViceroy(context([]))).toBeUndefined();
    expect(findViceroy(context([], { VICEROY: '' }))).toBeUndefined();
  });
});

describe('findCargo', () => {
  it('finds cargo on PATH, else in ~/.cargo/bin (rustup without PATH set), else nothing', () => {
    expect(findCargo(context(['/usr/bin/cargo', '/home/u/.cargo/bin/cargo']))).toBe('/usr/bin/cargo');
    expect(findCargo(context(['/home/u/.cargo/bin/cargo']))).toBe('/home/u/.cargo/bin/cargo');
    expect(findCargo(context([]))).toBeUndefined();
  });
});

describe('isVersionAtLeast', () => {
  it('compares numerically, part by part', () => {
    expect(isVersionAtLeast('0.20.1', '0.16.5')).toBe(true);
    expect(isVersionAtLeast('0.16.5', '0.16.5')).toBe(true);
    expect(isVersionAtLeast('0.16.4', '0.16.5')).toBe(false);
    expect(isVersionAtLeast('0.9.9', '0.16.5')).toBe(false);
    expect(isVersionAtLeast('1.0.0', '0.16.5')).toBe(true);
  });
});
