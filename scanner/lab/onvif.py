"""ONVIF for the simulated devices: the device service over SOAP 1.2 (WS-Discovery is in scanner.wire.wsd)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from xml.etree.ElementTree import Element
from xml.sax.saxutils import escape

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, fromstring

from scanner.lab.auth import username_token_ok

PRE_AUTH = {"GetSystemDateAndTime"}  # ONVIF Core access class PRE_AUTH
SUPPORTED = {"GetSystemDateAndTime", "GetDeviceInformation", "GetNetworkInterfaces", "GetCapabilities",
             "GetServices"}

NS = ('xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:tds="http://www.onvif.org/ver10/device/wsdl" '
      'xmlns:tt="http://www.onvif.org/ver10/schema" xmlns:ter="http://www.onvif.org/ver10/error"')


@dataclass(frozen=True)
class OnvifInfo:
    manufacturer: str
    model: str
    firmware: str
    serial: str
    hardware_id: str
    mac: str
    ip: str
    port: int


@dataclass(frozen=True)
class SoapRequest:
    operation: str
    username: str | None
    authorized: bool


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _find_local(root: Element, name: str) -> Element | None:
    return next((el for el in root.iter() if _local(str(el.tag)) == name), None)


def parse_soap(body: bytes, user: str, password: str) -> SoapRequest | None:
    """Operation name and whether a valid WS-UsernameToken came with it; None for unreadable (or hostile) XML."""
    try:
        root = fromstring(body, forbid_dtd=True)
    except (ParseError, DefusedXmlException, ValueError, UnicodeError):
        return None
    soap_body = _find_local(root, "Body")
    if soap_body is None or len(soap_body) == 0:
        return None
    operation = _local(str(soap_body[0].tag))
    token = _find_local(root, "UsernameToken")
    username = None
    authorized = False
    if token is not None:
        name = _find_local(token, "Username")
        pw = _find_local(token, "Password")
        nonce = _find_local(token, "Nonce")
        created = _find_local(token, "Created")
        username = name.text if name is not None else None
        authorized = username_token_ok(
            username, pw.text if pw is not None else None, pw.get("Type") if pw is not None else None,
            nonce.text if nonce is not None else None, created.text if created is not None else None,
            user, password,
        )
    return SoapRequest(operation, username, authorized)


def envelope(body: str) -> bytes:
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<s:Envelope {NS}><s:Body>{body}</s:Body></s:Envelope>'
            ).encode()


def fault(subcode: str, reason: str) -> bytes:
    return envelope(
        f"<s:Fault><s:Code><s:Value>s:Sender</s:Value><s:Subcode><s:Value>{subcode}</s:Value></s:Subcode>"
        f'</s:Code><s:Reason><s:Text xml:lang="en">{escape(reason)}</s:Text></s:Reason></s:Fault>'
    )


def answer(operation: str, info: OnvifInfo, now: dt.datetime | None = None) -> bytes:
    now = now or dt.datetime.now(dt.UTC)
    base = f"http://{info.ip}:{info.port}" if info.port != 80 else f"http://{info.ip}"
    if operation == "GetSystemDateAndTime":
        return envelope(
            "<tds:GetSystemDateAndTimeResponse><tds:SystemDateAndTime>"
            "<tt:DateTimeType>Manual</tt:DateTimeType><tt:DaylightSavings>false</tt:DaylightSavings>"
            "<tt:TimeZone><tt:TZ>CST-8:00:00</tt:TZ></tt:TimeZone>"
            f"<tt:UTCDateTime><tt:Time><tt:Hour>{now.hour}</tt:Hour><tt:Minute>{now.minute}</tt:Minute>"
            f"<tt:Second>{now.second}</tt:Second></tt:Time><tt:Date><tt:Year>{now.year}</tt:Year>"
            f"<tt:Month>{now.month}</tt:Month><tt:Day>{now.day}</tt:Day></tt:Date></tt:UTCDateTime>"
            "</tds:SystemDateAndTime></tds:GetSystemDateAndTimeResponse>"
        )
    if operation == "GetDeviceInformation":
        return envelope(
            "<tds:GetDeviceInformationResponse>"
            f"<tds:Manufacturer>{escape(info.manufacturer)}</tds:Manufacturer><tds:Model>{escape(info.model)}</tds:Model>"
            f"<tds:FirmwareVersion>{escape(info.firmware)}</tds:FirmwareVersion>"
            f"<tds:SerialNumber>{escape(info.serial)}</tds:SerialNumber>"
            f"<tds:HardwareId>{escape(info.hardware_id)}</tds:HardwareId></tds:GetDeviceInformationResponse>"
        )
    if operation == "GetNetworkInterfaces":
        return envelope(
            '<tds:GetNetworkInterfacesResponse><tds:NetworkInterfaces token="eth0"><tt:Enabled>true</tt:Enabled>'
            f"<tt:Info><tt:Name>eth0</tt:Name><tt:HwAddress>{info.mac}</tt:HwAddress><tt:MTU>1500</tt:MTU></tt:Info>"
            "<tt:IPv4><tt:Enabled>true</tt:Enabled><tt:Config><tt:Manual>"
            f"<tt:Address>{info.ip}</tt:Address><tt:PrefixLength>8</tt:PrefixLength></tt:Manual>"
            "<tt:DHCP>false</tt:DHCP></tt:Config></tt:IPv4></tds:NetworkInterfaces></tds:GetNetworkInterfacesResponse>"
        )
    if operation == "GetCapabilities":
        return envelope(
            "<tds:GetCapabilitiesResponse><tds:Capabilities>"
            f"<tt:Device><tt:XAddr>{base}/onvif/device_service</tt:XAddr></tt:Device>"
            f"<tt:Media><tt:XAddr>{base}/onvif/Media</tt:XAddr><tt:StreamingCapabilities>"
            "<tt:RTPMulticast>true</tt:RTPMulticast><tt:RTP_TCP>true</tt:RTP_TCP><tt:RTP_RTSP_TCP>true</tt:RTP_RTSP_TCP>"
            "</tt:StreamingCapabilities></tt:Media></tds:Capabilities></tds:GetCapabilitiesResponse>"
        )
    if operation == "GetServices":
        services = [("http://www.onvif.org/ver10/device/wsdl", "device_service"),
                    ("http://www.onvif.org/ver10/media/wsdl", "Media")]
        items = "".join(
            f"<tds:Service><tds:Namespace>{ns}</tds:Namespace><tds:XAddr>{base}/onvif/{path}</tds:XAddr>"
            "<tds:Version><tt:Major>2</tt:Major><tt:Minor>60</tt:Minor></tds:Version></tds:Service>"
            for ns, path in services
        )
        return envelope(f"<tds:GetServicesResponse>{items}</tds:GetServicesResponse>")
    return fault("ter:ActionNotSupported", "Optional Action Not Implemented")
