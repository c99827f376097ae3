/*
 * Receive buffers of libcoap's UDP sockets. libcoap 4.3.1 opens them
 * with the system's default (net.core.rmem_default, 208 KiB here), and a
 * relay that sits in one commit or fsync while its clients and its
 * upstream keep sending loses datagrams to a full buffer; each is then
 * waited out by a retransmission or by relay-timeout (seconds).
 */
#ifndef DOTSGW_UDP_RCVBUF_H
#define DOTSGW_UDP_RCVBUF_H

#define UDP_RCVBUF_BYTES	(4 * 1024 * 1024)  /* capped by rmem_max */

/* Every UDP socket registered in the epoll instance epfd (libcoap's
 * coap_context_get_coap_fd()) gets a receive buffer of bytes; sockets
 * that have one as large already are left alone. The number of sockets
 * grown, or -1 when the epoll instance's fdinfo cannot be read. */
int	udp_rcvbuf_grow(int epfd, int bytes);

#endif
