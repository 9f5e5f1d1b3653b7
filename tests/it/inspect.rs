//! `socklab inspect` against the kernel: sockets this test creates are found with the values
//! the kernel holds for them, and, where ss is installed, exactly as ss shows them.

use std::os::fd::AsRawFd;

use socklab::net::inspect::{self, Netid, ProcessRef};

/// Whether `holder` is this process holding `socket`.
fn is_me_holding(holder: &ProcessRef, socket: &impl AsRawFd) -> bool {
    holder.pid == std::process::id() && i64::from(holder.fd) == i64::from(socket.as_raw_fd())
}

/// This test binary's command name, as /proc/PID/stat gives it.
fn my_comm() -> String {
    std::fs::read_to_string("/proc/self/comm").unwrap().trim_end().to_owned()
}

#[test]
fn holders_of_port_names_this_process_for_tcp_and_udp_in_both_families() {
    let mut cases = vec![("127.0.0.1:0", Netid::Tcp), ("127.0.0.1:0", Netid::Udp)];
    if support_ipv6() {
        cases.extend([("[::1]:0", Netid::Tcp), ("[::1]:0", Netid::Udp)]);
    }
    for (addr, netid) in cases {
        let found = match netid {
            Netid::Tcp => {
                let listener = std::net::TcpListener::bind(addr).unwrap();
                let holders =
                    inspect::holders_of_port(netid, listener.local_addr().unwrap().port());
                holders.into_iter().find(|holder| is_me_holding(holder, &listener))
            }
            _ => {
                let socket = std::net::UdpSocket::bind(addr).unwrap();
                let holders = inspect::holders_of_port(netid, socket.local_addr().unwrap().port());
                holders.into_iter().find(|holder| is_me_holding(holder, &socket))
            }
        };
        let me = found.unwrap_or_else(|| panic!("{addr} {netid:?}: this process not found"));
        assert_eq!(me.name, my_comm());
    }
}

fn support_ipv6() -> bool {
    crate::support::ipv6_available()
}
