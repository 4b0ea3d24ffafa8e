//! A small SMTP sink (RFC 5321 subset: EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT) that
//! delivers into the lab mailbox, where abuse desks pick messages up.

use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

use crate::shared::Shared;

const MAX_LINE: usize = 1000;
const MAX_MESSAGE: usize = 1024 * 1024;
const MAX_RCPT: usize = 100;

pub(crate) async fn serve(listener: TcpListener, shared: Arc<Shared>) {
    let mut stop = shared.shutdown_signal();
    loop {
        tokio::select! {
            _ = stop.wait_for(|v| *v) => return,
            acc = listener.accept() => {
                let Ok((stream, _)) = acc else { continue };
                let shared = shared.clone();
                tokio::spawn(async move {
                    let _ = tokio::time::timeout(Duration::from_secs(300), session(stream, shared)).await;
                });
            }
        }
    }
}

/// Reads one line (without CRLF), at most MAX_LINE bytes; `None` at EOF; `Some(Err)` if long.
async fn read_line(
    r: &mut BufReader<tokio::net::tcp::OwnedReadHalf>,
) -> Option<Result<String, ()>> {
    let mut buf = Vec::new();
    loop {
        let avail = r.fill_buf().await.ok()?;
        if avail.is_empty() {
            return if buf.is_empty() {
                None
            } else {
                Some(Ok(lossy(&buf)))
            };
        }
        if let Some(pos) = avail.iter().position(|b| *b == b'\n') {
            buf.extend_from_slice(&avail[..pos]);
            r.consume(pos + 1);
            if buf.len() > MAX_LINE {
                return Some(Err(()));
            }
            if buf.last() == Some(&b'\r') {
                buf.pop();
            }
            return Some(Ok(lossy(&buf)));
        }
        let n = avail.len();
        buf.extend_from_slice(avail);
        r.consume(n);
        if buf.len() > MAX_LINE {
            // Skip to the end of this overlong line.
            loop {
                let avail = r.fill_buf().await.ok()?;
                if avail.is_empty() {
                    return None;
                }
                if let Some(pos) = avail.iter().position(|b| *b == b'\n') {
                    r.consume(pos + 1);
                    return Some(Err(()));
                }
                let n = avail.len();
                r.consume(n);
            }
        }
    }
}

fn lossy(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn path_arg(arg: &str, prefix: &str) -> Option<String> {
    let rest = arg.get(..prefix.len())?;
    if !rest.eq_ignore_ascii_case(prefix) {
        return None;
    }
    let rest = arg.get(prefix.len()..)?.trim();
    let inner = rest.strip_prefix('<')?;
    let end = inner.find('>')?;
    Some(inner[..end].trim().to_string())
}

async fn session(stream: TcpStream, shared: Arc<Shared>) -> std::io::Result<()> {
    let (rd, mut wr) = stream.into_split();
    let mut rd = BufReader::new(rd);
    wr.write_all(b"220 smtp.lab.example ESMTP domwatch-lab\r\n")
        .await?;
    let mut helo = false;
    let mut from: Option<String> = None;
    let mut rcpts: Vec<String> = Vec::new();
    loop {
        let line = match read_line(&mut rd).await {
            None => return Ok(()),
            Some(Err(())) => {
                wr.write_all(b"500 5.5.2 Line too long\r\n").await?;
                continue;
            }
            Some(Ok(l)) => l,
        };
        let (verb, arg) = match line.split_once(' ') {
            Some((v, a)) => (v.to_ascii_uppercase(), a.to_string()),
            None => (line.to_ascii_uppercase(), String::new()),
        };
        match verb.as_str() {
            "EHLO" => {
                helo = true;
                from = None;
                rcpts.clear();
                wr.write_all(
                    format!("250-smtp.lab.example\r\n250-SIZE {MAX_MESSAGE}\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n")
                        .as_bytes(),
                )
                .await?;
            }
            "HELO" => {
                helo = true;
                from = None;
                rcpts.clear();
                wr.write_all(b"250 smtp.lab.example\r\n").await?;
            }
            "MAIL" if !helo => wr.write_all(b"503 5.5.1 Send EHLO first\r\n").await?,
            "MAIL" => match path_arg(&arg, "FROM:") {
                Some(a) => {
                    from = Some(a);
                    rcpts.clear();
                    wr.write_all(b"250 2.1.0 OK\r\n").await?;
                }
                None => {
                    wr.write_all(b"501 5.5.4 Syntax: MAIL FROM:<address>\r\n")
                        .await?
                }
            },
            "RCPT" if from.is_none() => wr.write_all(b"503 5.5.1 Need MAIL first\r\n").await?,
            "RCPT" => match path_arg(&arg, "TO:") {
                Some(a) if a.contains('@') && rcpts.len() < MAX_RCPT => {
                    rcpts.push(a);
                    wr.write_all(b"250 2.1.5 OK\r\n").await?;
                }
                Some(_) if rcpts.len() >= MAX_RCPT => {
                    wr.write_all(b"452 4.5.3 Too many recipients\r\n").await?
                }
                _ => {
                    wr.write_all(b"501 5.1.3 Bad recipient address syntax\r\n")
                        .await?
                }
            },
            "DATA" if rcpts.is_empty() => wr.write_all(b"503 5.5.1 Need RCPT first\r\n").await?,
            "DATA" => {
                wr.write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n")
                    .await?;
                let mut data = String::new();
                let mut too_big = false;
                loop {
                    match read_line(&mut rd).await {
                        None => return Ok(()),
                        Some(Err(())) => too_big = true,
                        Some(Ok(l)) => {
                            if l == "." {
                                break;
                            }
                            let l = l.strip_prefix('.').unwrap_or(&l);
                            if data.len() + l.len() + 1 > MAX_MESSAGE {
                                too_big = true;
                            } else {
                                data.push_str(l);
                                data.push('\n');
                            }
                        }
                    }
                }
                if too_big {
                    wr.write_all(b"552 5.3.4 Message too big\r\n").await?;
                } else {
                    let (subject, body) = crate::mime::subject_and_text(&data);
                    let sender = from.clone().unwrap_or_default();
                    shared.deliver(&sender, &rcpts, &subject, &body);
                    wr.write_all(b"250 2.0.0 OK: queued\r\n").await?;
                }
                from = None;
                rcpts.clear();
            }
            "RSET" => {
                from = None;
                rcpts.clear();
                wr.write_all(b"250 2.0.0 OK\r\n").await?;
            }
            "NOOP" => wr.write_all(b"250 2.0.0 OK\r\n").await?,
            "QUIT" => {
                wr.write_all(b"221 2.0.0 Bye\r\n").await?;
                return Ok(());
            }
            "VRFY" => wr.write_all(b"252 2.1.5 Cannot VRFY user\r\n").await?,
            _ => {
                wr.write_all(b"502 5.5.2 Command not recognized\r\n")
                    .await?
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn path_arguments() {
        assert_eq!(path_arg("FROM:<a@b> SIZE=10", "FROM:"), Some("a@b".into()));
        assert_eq!(path_arg("from: <a@b>", "FROM:"), Some("a@b".into()));
        assert_eq!(path_arg("TO:a@b", "TO:"), None);
    }

    proptest! {
        #[test]
        fn path_parsing_never_panics(arg in "\\PC{0,60}") {
            let _ = path_arg(&arg, "FROM:");
            let _ = path_arg(&arg, "TO:");
        }
    }
}
