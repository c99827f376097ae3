# orchestrator: the centralized mode (the inter-domain draft §3.2): three
# ISPs register at the orchestrator orch-1 (and at the standby orch-2);
# customer1 at isp-a. Read by topologies/topo.sh.
TOPO_DESC="centralized: isp-a, isp-b, isp-c registered at orch-1 (orch-2 standby); customer1 at isp-a is fanned out to isp-b and isp-c"
NODES="orch-1 orch-2 isp-a isp-b isp-c"
CUSTOMER_NODE=isp-a
CUSTOMER_PSK_ID=customer1
CUSTOMER_PSK_KEY=orch-customer1-secret
# 5 Gbit/s: too much for isp-a (1 Gbit/s), so it goes to the active
# orchestrator, which asks every other registered ISP
REQUEST_TARGET=192.0.2.10/32
REQUEST_GBPS=5
EXPECT_HOLD="orch-1 isp-a isp-b isp-c"
EXPECT_LOCAL="isp-b isp-c"
# --failover: kill the active orchestrator; the ISPs move to orch-2 within
# missing-hb-allowed x heartbeat-interval (3 s) and place it there again
FAILOVER_NODE=orch-1
EXPECT_HOLD_FAILOVER="orch-2 isp-a isp-b isp-c"
