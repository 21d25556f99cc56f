#!/usr/bin/env python3
# pktpipe — the Pkt-1.0 typelib driven from Python (PyGObject): build pipelines
# from a string and from factories, properties, a signal, the bus from a GLib
# main loop, and an appsrc → appsink round trip with packet bytes readable.
# SPDX-License-Identifier: LGPL-2.1-or-later
import struct
import sys
import unittest

import gi

gi.require_version("Pkt", "1.0")
gi.require_version("GLib", "2.0")
from gi.repository import GLib, Pkt  # noqa: E402

Pkt.init(None)


def frame(seq):
    """A 64-byte Ethernet frame carrying @seq, to a MAC nobody owns."""
    eth = bytes.fromhex("02000000bbbb" "02000000aaaa" "88b5")  # local experimental ethertype
    return eth + struct.pack("!I", seq) + bytes(64 - 14 - 4)


class TestGI(unittest.TestCase):
    def test_parse_launch_and_read_properties(self):
        p = Pkt.parse_launch("testsrc num-packets=1000 ! fakesink name=s")
        self.assertIsInstance(p, Pkt.Pipeline)
        self.assertTrue(p.run(10 * 1000 * 1000))
        s = p.get_by_name("s")
        self.assertEqual(s.props.packets, 1000)
        self.assertGreater(s.props.bytes, 0)

    def test_build_from_factories_set_properties(self):
        p = Pkt.Pipeline.new("fromfactories")
        src = Pkt.ElementFactory.make("testsrc", "src")
        sink = Pkt.ElementFactory.make("fakesink", "sink")
        src.set_property("num-packets", 300)
        self.assertEqual(src.get_property("num-packets"), 300)
        self.assertTrue(p.add(src))
        self.assertTrue(p.add(sink))
        self.assertTrue(src.link(sink))
        self.assertTrue(p.run(10 * 1000 * 1000))
        self.assertEqual(sink.props.packets, 300)

    def test_unknown_factory_raises_with_suggestion(self):
        with self.assertRaises(GLib.Error) as cm:
            Pkt.ElementFactory.make("fakesnk", None)
        self.assertIn('did you mean "fakesink"', cm.exception.message)

    def test_bad_description_raises_parse_error(self):
        with self.assertRaises(GLib.Error) as cm:
            Pkt.parse_launch("testsrc ! ! fakesink")
        self.assertEqual(cm.exception.domain, "pkt-parse-error-quark")

    def test_signal_handoff(self):
        p = Pkt.parse_launch("testsrc num-packets=512 ! fakesink name=s")
        seen = []
        p.get_by_name("s").connect("handoff", lambda sink, batch: seen.append(batch.get_length()))
        self.assertTrue(p.run(10 * 1000 * 1000))
        self.assertEqual(sum(seen), 512)

    def test_flow_signals_carry_conn_records(self):
        # flowtrack's flow-started/flow-ended hand Python a boxed conn record.
        # As with any boxed signal argument in PyGObject, it is valid during
        # the callback; copy() keeps one (a new reference).
        p = Pkt.parse_launch(
            "testsrc num-packets=3000 protocol=tcp flows=6 seed=7 ! flowtrack name=ft ! fakesink")
        started, ended, kept = [], [], []

        def on_ended(el, rec):
            ok, proto = rec.get_field("proto")
            ok2, pkts = rec.get_field("orig_pkts")
            ended.append((rec.get_kind(), ok and ok2, proto, pkts, rec.list_field_names()))
            kept.append(rec.copy())

        ft = p.get_by_name("ft")
        ft.connect("flow-started", lambda el, rec: started.append(rec.get_kind()))
        ft.connect("flow-ended", on_ended)
        self.assertTrue(p.run(10 * 1000 * 1000))
        self.assertGreater(len(ended), 0)
        self.assertEqual(len(started), ft.props.created)
        self.assertEqual(len(ended), ft.props.created)
        for kind, ok, proto, pkts, names in ended:
            self.assertEqual(kind, "conn")
            self.assertTrue(ok)
            self.assertEqual(proto, "tcp")
            self.assertGreater(pkts, 0)
            self.assertIn("history", names)
        import json
        self.assertEqual(json.loads(kept[0].to_json())["proto"], "tcp")

    def test_bus_watch_in_main_loop(self):
        p = Pkt.parse_launch("testsrc num-packets=100 ! fakesink")
        loop = GLib.MainLoop()
        kinds = []

        def on_message(bus, msg):
            kinds.append(msg.type)
            if msg.type in (Pkt.MessageType.EOS, Pkt.MessageType.ERROR):
                loop.quit()
            return True

        bus = p.get_bus()
        watch = bus.add_watch(on_message)
        self.assertTrue(p.set_state(Pkt.State.PLAYING))
        GLib.timeout_add_seconds(10, loop.quit)
        loop.run()
        GLib.source_remove(watch)
        p.set_state(Pkt.State.NULL)
        self.assertIn(Pkt.MessageType.EOS, kinds)
        self.assertIn(Pkt.MessageType.STATE_CHANGED, kinds)

    def test_ready_error_names_element_and_file(self):
        p = Pkt.parse_launch("pcapsrc name=cap location=/nonexistent/x.pcap ! fakesink")
        with self.assertRaises(GLib.Error) as cm:
            p.set_state(Pkt.State.PLAYING)
        self.assertIn("cap", cm.exception.message)
        self.assertIn("/nonexistent/x.pcap", cm.exception.message)
        self.assertEqual(p.get_state(), Pkt.State.NULL)

    def test_end_of_stream_action_signal(self):
        p = Pkt.parse_launch("appsrc name=a ! fakesink")
        p.set_state(Pkt.State.PLAYING)
        bus = p.get_bus()
        p.get_by_name("a").emit("end-of-stream")
        msg = bus.pop_filtered(5 * 1000 * 1000, Pkt.MessageType.EOS | Pkt.MessageType.ERROR)
        p.set_state(Pkt.State.NULL)
        self.assertEqual(msg.type, Pkt.MessageType.EOS)

    def test_appsrc_appsink_round_trip(self):
        p = Pkt.parse_launch("appsrc name=in ! identity ! appsink name=out")
        src, sink = p.get_by_name("in"), p.get_by_name("out")
        self.assertTrue(p.set_state(Pkt.State.PLAYING))
        sent = [frame(i) for i in range(300)]
        for i, f in enumerate(sent):
            self.assertTrue(src.push_frame(GLib.Bytes.new(f), 1000 + i))
        src.end_of_stream()
        got = []
        while len(got) < len(sent):
            batch = sink.pull(5 * 1000 * 1000)
            if batch is None:
                break
            for i in range(batch.get_length()):
                got.append(bytes(batch.get_packet_bytes(i).get_data()))
                self.assertEqual(batch.get_packet(i).ts_ns, 1000 + len(got) - 1)
        p.set_state(Pkt.State.NULL)
        self.assertEqual(got, sent)


if __name__ == "__main__":
    result = unittest.main(exit=False, verbosity=2).result
    sys.exit(0 if result.wasSuccessful() else 1)
