# cascade-5: customer1 -> isp-1 -> isp-2 -> isp-3 -> isp-4 -> isp-5, each
# relaying what it cannot absorb to the next. Read by topologies/topo.sh.
TOPO_DESC="customer -> five ISPs in a chain; only isp-5 has room for 5 Gbit/s"
NODES="isp-1 isp-2 isp-3 isp-4 isp-5"
CUSTOMER_NODE=isp-1
CUSTOMER_PSK_ID=customer1
CUSTOMER_PSK_KEY=cascade5-customer1-secret
REQUEST_TARGET=192.0.2.10/32
REQUEST_GBPS=5
EXPECT_HOLD="isp-1 isp-2 isp-3 isp-4 isp-5"
EXPECT_LOCAL="isp-5"
