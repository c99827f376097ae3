# mesh-3: three ISPs in a distributed mesh (the inter-domain draft §3.1),
# bilateral peers, customer1 at isp-a. Read by topologies/topo.sh.
TOPO_DESC="three ISPs, distributed, bilateral peers; customer1 at isp-a fails over isp-b -> isp-c"
NODES="isp-a isp-b isp-c"
CUSTOMER_NODE=isp-a
CUSTOMER_PSK_ID=customer1
CUSTOMER_PSK_KEY=mesh3-customer1-secret
# 5 Gbit/s: too much for isp-a (1 Gbit/s), so relayed; failover picks
# isp-b first, which mitigates it itself
REQUEST_TARGET=192.0.2.10/32
REQUEST_GBPS=5
EXPECT_HOLD="isp-a isp-b"
EXPECT_LOCAL="isp-b"
# topologies/run mesh-3 --failover: isp-b fails, isp-c takes over
FAILOVER_NODE=isp-b
EXPECT_HOLD_FAILOVER="isp-a isp-c"
