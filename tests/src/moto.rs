//! A local moto server (PyPI `moto[server]`) for ECS API tests: started on a free loopback port,
//! killed on drop; and the VPC, subnet and security group moto's ECS wants to exist.

#![allow(clippy::unwrap_used, clippy::panic, clippy::print_stderr)]

use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};

/// The moto server, killed on drop.
pub struct Moto {
    child: Child,
    pub url: String,
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn moto() -> Option<Moto> {
    let ok = Command::new("python3")
        .args(["-c", "import moto.server, flask"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI: moto[server] is required (pip install -r tests/conformance/requirements-ecs.txt)"
        );
        eprintln!("notice: moto[server] missing; ECS apply test skipped");
        return None;
    }
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new("python3")
        .args([
            "-c",
            "import sys; from moto.server import main; sys.exit(main(sys.argv[1:]))",
        ])
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let m = Moto {
        child,
        url: format!("http://127.0.0.1:{port}"),
    };
    // Wait (bounded) until it accepts connections.
    for _ in 0..600 {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Some(m);
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    panic!("moto_server did not start on port {port}");
}

/// Create a VPC, a subnet and a security group in moto (its ECS checks that they exist);
/// returns (subnet id, security group id).
pub fn network(url: &str) -> (String, String) {
    let script = r#"
import sys, boto3
ec2 = boto3.client("ec2", endpoint_url=sys.argv[1], region_name="us-east-1",
                   aws_access_key_id="testing", aws_secret_access_key="testing")
vpc = ec2.create_vpc(CidrBlock="10.42.0.0/16")["Vpc"]["VpcId"]
sn = ec2.create_subnet(VpcId=vpc, CidrBlock="10.42.1.0/24")["Subnet"]["SubnetId"]
sg = ec2.create_security_group(GroupName="score-x", Description="score-x", VpcId=vpc)["GroupId"]
print(sn, sg)
"#;
    let out = Command::new("python3")
        .args(["-c", script, url])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let mut it = text.split_whitespace();
    (
        it.next().unwrap().to_string(),
        it.next().unwrap().to_string(),
    )
}
