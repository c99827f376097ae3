/*
 * The test vectors of shared/spec/test-vectors.md sections 1-4, shared by
 * test_codec.c and test_json.c: an id, the JSON body and the CBOR hex as
 * printed there. Included once per test program.
 */
#ifndef DOTSGW_UNIT_VECTORS_H
#define DOTSGW_UNIT_VECTORS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

static const struct vec {
	const char *id, *json, *hex;
} vecs[] = {
	{ "SC-01",
	    "{\"ietf-dots-signal-channel:mitigation-scope\":{\"scope\":[{\"target-prefix\":[\"2001:db8:6401::1/128\",\"2001:db8:6401::2/128\"],\"target-port-range\":[{\"lower-port\":80},{\"lower-port\":443},{\"lower-port\":8080}],\"target-protocol\":[6],\"lifetime\":3600}]}}",
	    "a101a10281a4068274323030313a6462383a363430313a3a312f31323874323030313a6462383a363430313a3a322f3132380783a1081850a1081901bba108191f900a81060e190e10" },
	{ "SC-02",
	    "{\"ietf-dots-signal-channel:mitigation-scope\":{\"scope\":[{\"mid\":123,\"lifetime\":3600}]}}",
	    "a101a10281a205187b0e190e10" },
	{ "SC-03",
	    "{\"ietf-dots-signal-channel:mitigation-scope\":{\"scope\":[{\"conflict-information\":{\"conflict-cause\":\"cuid-collision\"}}]}}",
	    "a101a10281a111a11303" },
	{ "SC-05",
	    "{\"ietf-dots-signal-channel:mitigation-scope\":{\"scope\":[{\"mid\":12332,\"mitigation-start\":\"1507818434\",\"target-prefix\":[\"2001:db8:6401::1/128\",\"2001:db8:6401::2/128\"],\"target-protocol\":[17],\"lifetime\":1756,\"status\":\"attack-successfully-mitigated\",\"bytes-dropped\":\"134334555\",\"bps-dropped\":\"43344\",\"pkts-dropped\":\"333334444\",\"pps-dropped\":\"432432\"},{\"mid\":12333,\"mitigation-start\":\"1507818393\",\"target-prefix\":[\"2001:db8:6401::1/128\",\"2001:db8:6401::2/128\"],\"target-protocol\":[6],\"lifetime\":1755,\"status\":\"attack-stopped\",\"bytes-dropped\":\"0\",\"bps-dropped\":\"0\",\"pkts-dropped\":\"0\",\"pps-dropped\":\"0\"}]}}",
	    "a101a10282aa0519302c0f1a59df7bc2068274323030313a6462383a363430313a3a312f31323874323030313a6462383a363430313a3a322f3132380a81110e1906dc100218191a0801c85b181a19a950181b1a13de47ac181c1a00069930aa0519302d0f1a59df7b99068274323030313a6462383a363430313a3a312f31323874323030313a6462383a363430313a3a322f3132380a81060e1906db1003181900181a00181b00181c00" },
	{ "SC-07",
	    "{\"ietf-dots-signal-channel:mitigation-scope\":{\"scope\":[{\"target-prefix\":[\"2001:db8:6401::1/128\",\"2001:db8:6401::2/128\"],\"target-port-range\":[{\"lower-port\":80},{\"lower-port\":443},{\"lower-port\":8080}],\"target-protocol\":[6],\"attack-status\":\"under-attack\"}]}}",
	    "a101a10281a4068274323030313a6462383a363430313a3a312f31323874323030313a6462383a363430313a3a322f3132380783a1081850a1081901bba108191f900a8106181d01" },
	{ "SC-09",
	    "{\"ietf-dots-signal-channel:signal-config\":{\"mitigating-config\":{\"heartbeat-interval\":{\"max-value\":240,\"min-value\":15,\"current-value\":30},\"missing-hb-allowed\":{\"max-value\":20,\"min-value\":3,\"current-value\":15},\"probing-rate\":{\"max-value\":20,\"min-value\":5,\"current-value\":15},\"max-retransmit\":{\"max-value\":15,\"min-value\":2,\"current-value\":3},\"ack-timeout\":{\"max-value-decimal\":\"30.00\",\"min-value-decimal\":\"1.00\",\"current-value-decimal\":\"2.00\"},\"ack-random-factor\":{\"max-value-decimal\":\"4.00\",\"min-value-decimal\":\"1.10\",\"current-value-decimal\":\"1.50\"}},\"idle-config\":{\"heartbeat-interval\":{\"max-value\":240,\"min-value\":15,\"current-value\":30},\"missing-hb-allowed\":{\"max-value\":20,\"min-value\":3,\"current-value\":15},\"probing-rate\":{\"max-value\":20,\"min-value\":5,\"current-value\":15},\"max-retransmit\":{\"max-value\":15,\"min-value\":2,\"current-value\":3},\"ack-timeout\":{\"max-value-decimal\":\"30.00\",\"min-value-decimal\":\"1.00\",\"current-value-decimal\":\"2.00\"},\"ack-random-factor\":{\"max-value-decimal\":\"4.00\",\"min-value-decimal\":\"1.10\",\"current-value-decimal\":\"1.50\"}}}}",
	    "a1181ea21820a61821a3182218f018230f1824181e1825a318221418230318240f1832a318221418230518240f1826a318220f1823021824031827a31829c48221190bb8182ac482211864182bc4822118c81828a31829c48221190190182ac48221186e182bc482211896182ca61821a3182218f018230f1824181e1825a318221418230318240f1832a318221418230518240f1826a318220f1823021824031827a31829c48221190bb8182ac482211864182bc4822118c81828a31829c48221190190182ac48221186e182bc482211896" },
	{ "SC-10",
	    "{\"ietf-dots-signal-channel:signal-config\":{\"mitigating-config\":{\"heartbeat-interval\":{\"current-value\":30},\"missing-hb-allowed\":{\"current-value\":15},\"probing-rate\":{\"current-value\":15},\"max-retransmit\":{\"current-value\":3},\"ack-timeout\":{\"current-value-decimal\":\"2.00\"},\"ack-random-factor\":{\"current-value-decimal\":\"1.50\"}},\"idle-config\":{\"heartbeat-interval\":{\"current-value\":0},\"max-retransmit\":{\"current-value\":3},\"ack-timeout\":{\"current-value-decimal\":\"2.00\"},\"ack-random-factor\":{\"current-value-decimal\":\"1.50\"}}}}",
	    "a1181ea21820a61821a11824181e1825a118240f1832a118240f1826a11824031827a1182bc4822118c81828a1182bc482211896182ca41821a11824001826a11824031827a1182bc4822118c81828a1182bc482211896" },
	{ "SC-12",
	    "{\"ietf-dots-signal-channel:redirected-signal\":{\"alt-server\":\"alt-server.example\",\"alt-server-record\":[\"2001:db8:6401::1\",\"2001:db8:6401::2\"]}}",
	    "a1182ea2182f72616c742d7365727665722e6578616d706c6518308270323030313a6462383a363430313a3a3170323030313a6462383a363430313a3a32" },
	{ "SC-13",
	    "{\"ietf-dots-signal-channel:heartbeat\":{\"peer-hb-status\":true}}",
	    "a11831a11833f5" },
	{ "SC-14a",
	    "{\"ietf-dots-signal-channel:mitigation-scope\":{\"scope\":[{\"alias-name\":[\"https1\"],\"lifetime\":-1,\"trigger-mitigation\":false}]}}",
	    "a101a10281a30d81666874747073310e20182df4" },
	{ "TM-02",
	    "{\"ietf-dots-telemetry:telemetry-setup\":{\"telemetry\":[{\"current-config\":{\"low-percentile\":\"5.00\",\"mid-percentile\":\"65.00\",\"high-percentile\":\"95.00\"}}]}}",
	    "a118cba1188181a118afa31882c482211901f41883c482211919641884c4822119251c" },
	{ "TM-03",
	    "{\"ietf-dots-telemetry:telemetry-setup\":{\"telemetry\":[{\"current-config\":{\"low-percentile\":\"0.00\",\"mid-percentile\":\"0.00\",\"high-percentile\":\"95.00\"}}]}}",
	    "a118cba1188181a118afa31882c48221001883c48221001884c4822119251c" },
	{ "TM-04",
	    "{\"ietf-dots-telemetry:telemetry-setup\":{\"telemetry\":[{\"current-config\":{\"server-originated-telemetry\":true}}]}}",
	    "a118cba1188181a118afa118b3f5" },
	{ "TM-06",
	    "{\"ietf-dots-telemetry:telemetry-setup\":{\"telemetry\":[{\"total-pipe-capacity\":[{\"link-id\":\"link1\",\"capacity\":\"500\",\"unit\":\"megabit-ps\"}]}]}}",
	    "a118cba1188181a1188881a31889656c696e6b3118be1901f4188608" },
	{ "TM-07",
	    "{\"ietf-dots-telemetry:telemetry-setup\":{\"telemetry\":[{\"total-pipe-capacity\":[{\"link-id\":\"aggregate\",\"capacity\":\"700\",\"unit\":\"megabit-ps\"}]}]}}",
	    "a118cba1188181a1188881a318896961676772656761746518be1902bc188608" },
	{ "TM-08",
	    "{\"ietf-dots-telemetry:telemetry-setup\":{\"telemetry\":[{\"total-pipe-capacity\":[{\"link-id\":\"link1\",\"capacity\":\"0\",\"unit\":\"megabit-ps\"},{\"link-id\":\"link2\",\"capacity\":\"500\",\"unit\":\"megabit-ps\"}]}]}}",
	    "a118cba1188181a1188882a31889656c696e6b3118be00188608a31889656c696e6b3218be1901f4188608" },
	{ "TM-09",
	    "{\"ietf-dots-telemetry:telemetry-setup\":{\"telemetry\":[{\"baseline\":[{\"id\":1,\"target-prefix\":[\"2001:db8:6401::1/128\",\"2001:db8:6401::2/128\"],\"total-traffic-normal\":[{\"unit\":\"megabit-ps\",\"peak-g\":\"60\"}]}]}]}}",
	    "a118cba1188181a118ae81a318a301068274323030313a6462383a363430313a3a312f31323874323030313a6462383a363430313a3a322f313238188b81a2188608188f183c" },
	{ "TM-10",
	    "{\"ietf-dots-telemetry:telemetry-setup\":{\"telemetry\":[{\"baseline\":[{\"id\":1,\"target-prefix\":[\"2001:db8:6401::1/128\",\"2001:db8:6401::2/128\"],\"total-traffic-normal-per-protocol\":[{\"unit\":\"megabit-ps\",\"protocol\":6,\"peak-g\":\"50\"},{\"unit\":\"megabit-ps\",\"protocol\":17,\"peak-g\":\"10\"}]}]}]}}",
	    "a118cba1188181a118ae81a318a301068274323030313a6462383a363430313a3a312f31323874323030313a6462383a363430313a3a322f31323818c082a318860818bf06188f1832a318860818bf11188f0a" },
	{ "TM-11",
	    "{\"ietf-dots-telemetry:telemetry\":{\"pre-or-ongoing-mitigation\":[{\"target\":{\"target-prefix\":[\"2001:db8::1/128\"]},\"total-attack-traffic-protocol\":[{\"protocol\":17,\"unit\":\"megabit-ps\",\"mid-percentile-g\":\"900\"}],\"attack-detail\":[{\"vendor-id\":32473,\"attack-id\":77,\"start-time\":\"1608336568\",\"attack-severity\":\"high\"}]}]}}",
	    "a118d0a1188a81a318bda106816f323030313a6462383a3a312f31323818c581a318bf11188608188d19038418a281a418ca197ed918a4184d18a71a5fdd44b818a604" },
	{ "TM-12",
	    "{\"ietf-dots-telemetry:telemetry\":{\"pre-or-ongoing-mitigation\":[{\"target\":{\"target-prefix\":[\"2001:db8::/32\"]}}]}}",
	    "a118d0a1188a81a118bda106816d323030313a6462383a3a2f3332" },
	{ "TM-13",
	    "{\"ietf-dots-telemetry:telemetry\":{\"pre-or-ongoing-mitigation\":[{\"tmid\":567,\"target\":{\"target-prefix\":[\"2001:db8::1/128\"]},\"target-protocol\":[17],\"total-attack-traffic\":[{\"unit\":\"megabit-ps\",\"mid-percentile-g\":\"900\"}],\"attack-detail\":[{\"vendor-id\":32473,\"attack-id\":77,\"start-time\":\"1618339785\",\"attack-severity\":\"high\"}]}]}}",
	    "a118d0a1188a81a518b519023718bda106816f323030313a6462383a3a312f3132380a8111189081a2188608188d19038418a281a418ca197ed918a4184d18a71a6075e7c918a604" },
	{ "TM-13b",
	    "{\"ietf-dots-telemetry:telemetry\":{\"pre-or-ongoing-mitigation\":[{\"tmid\":567,\"target\":{\"target-prefix\":[\"2001:db8::1/128\"],\"target-protocol\":[17]},\"total-attack-traffic\":[{\"unit\":\"megabit-ps\",\"mid-percentile-g\":\"900\"}],\"attack-detail\":[{\"vendor-id\":32473,\"attack-id\":77,\"start-time\":\"1618339785\",\"attack-severity\":\"high\"}]}]}}",
	    "a118d0a1188a81a418b519023718bda206816f323030313a6462383a3a312f3132380a8111189081a2188608188d19038418a281a418ca197ed918a4184d18a71a6075e7c918a604" },
	{ "TM-14",
	    "{\"ietf-dots-signal-channel:mitigation-scope\":{\"scope\":[{\"alias-name\":[\"https1\",\"https2\"],\"attack-status\":\"under-attack\",\"ietf-dots-telemetry:total-attack-traffic\":[{\"unit\":\"megabit-ps\",\"mid-percentile-g\":\"900\"}]}]}}",
	    "a101a10281a30d826668747470733166687474707332181d0118cd81a2188608188d190384" },
	{ "TM-15",
	    "{\"ietf-dots-signal-channel:mitigation-scope\":{\"scope\":[{\"mid\":12332,\"mitigation-start\":\"1507818434\",\"alias-name\":[\"https1\",\"https2\"],\"lifetime\":1600,\"status\":\"attack-successfully-mitigated\",\"bytes-dropped\":\"134334555\",\"bps-dropped\":\"43344\",\"pkts-dropped\":\"333334444\",\"pps-dropped\":\"432432\",\"ietf-dots-telemetry:total-attack-traffic\":[{\"unit\":\"megabit-ps\",\"mid-percentile-g\":\"752\"}],\"ietf-dots-telemetry:attack-detail\":[{\"vendor-id\":32473,\"attack-id\":77,\"source-count\":{\"peak-g\":\"12683\"}}]}]}}",
	    "a101a10281ab0519302c0f1a59df7bc20d8266687474707331666874747073320e190640100218191a0801c85b181a19a950181b1a13de47ac181c1a0006993018cd81a2188608188d1902f018cf81a318ca197ed918a4184d18a9a1188f19318b" },
	{ "CH-01",
	    "{\"ietf-dots-signal-channel:mitigation-scope\":{\"scope\":[{\"target-prefix\":[\"2001:db8:c000::/128\"],\"ietf-dots-call-home:source-prefix\":[\"2001:db8:123::1/128\"],\"lifetime\":3600}]}}",
	    "a101a10281a3068173323030313a6462383a633030303a3a2f3132381980008173323030313a6462383a3132333a3a312f3132380e190e10" },
	{ "CH-02",
	    "{\"ietf-dots-signal-channel:redirected-signal\":{\"ietf-dots-call-home:alt-ch-client\":\"alt-call-home-client.example\",\"ietf-dots-call-home:alt-ch-client-record\":[\"2001:db8:6401::1\",\"2001:db8:6401::2\"],\"ietf-dots-call-home:ttl\":600}}",
	    "a1182ea3198005781c616c742d63616c6c2d686f6d652d636c69656e742e6578616d706c651980068270323030313a6462383a363430313a3a3170323030313a6462383a363430313a3a32198007190258" },
	{ "FC-01",
	    "{\"ietf-dots-signal-channel:mitigation-scope\":{\"scope\":[{\"target-prefix\":[\"1.1.2.10/32\"],\"target-port-range\":[{\"lower-port\":80}],\"target-protocol\":[6],\"ietf-dots-signal-control:acl-list\":[{\"acl-name\":\"sample-ipv4-acl\",\"activation-type\":\"deactivate\"}],\"lifetime\":500,\"trigger-mitigation\":true}]}}",
	    "a101a10281a606816b312e312e322e31302f33320781a10818500a8106183581a2176f73616d706c652d697076342d61636c1834030e1901f4182df5" },
};

#define NVECS	(sizeof(vecs) / sizeof(vecs[0]))

/* Hex text to bytes; out must hold strlen(h) / 2. */
static size_t
unhex(const char *h, uint8_t *out)
{
	size_t n = 0;
	unsigned v;

	for (; h[0] != '\0' && h[1] != '\0'; h += 2) {
		sscanf(h, "%2x", &v);
		out[n++] = (uint8_t)v;
	}
	return n;
}

#endif
