"""The evidence log: incidents, attachments, chat and call-log imports, evidence packets
(layer 5). So far: reading KakaoTalk exports (``kakao``)."""
