// pktpipe — the Pkt-1.0 typelib from JavaScript (GJS): build, run, read a counter,
// push frames through appsrc and pull them from appsink.
// SPDX-License-Identifier: LGPL-2.1-or-later
imports.gi.versions.Pkt = '1.0';
const { GLib, Pkt } = imports.gi;

Pkt.init(null);
function check(cond, what) {
    if (!cond) {
        printerr(`FAIL: ${what}`);
        imports.system.exit(1);
    }
    print(`ok: ${what}`);
}

const p = Pkt.parse_launch('testsrc num-packets=777 ! fakesink name=s');
check(p.run(10 * 1000 * 1000), 'pipeline ran to EOS');
check(p.get_by_name('s').packets === 777, 'fakesink counted 777 packets');

const q = Pkt.parse_launch('appsrc name=in ! appsink name=out');
q.set_state(Pkt.State.PLAYING);
const frame = new Uint8Array(60).fill(0xab);
for (let i = 0; i < 10; i++)
    q.get_by_name('in').push_frame(new GLib.Bytes(frame), i);
q.get_by_name('in').end_of_stream();
let n = 0, same = true;
for (;;) {
    const b = q.get_by_name('out').pull(5 * 1000 * 1000);
    if (!b) break;
    for (let i = 0; i < b.get_length(); i++) {
        const bytes = b.get_packet_bytes(i).toArray();
        same = same && bytes.length === 60 && bytes.every(x => x === 0xab);
        n++;
    }
    if (n >= 10) break;
}
q.set_state(Pkt.State.NULL);
check(n === 10 && same, 'appsrc -> appsink carried 10 frames byte-exact');
