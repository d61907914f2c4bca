// Generates the known-answer vectors of tests/common/token_test.cc with the
// vendor's own npm builders (agora-token 2.0.6 for 007, agora-access-token
// 2.0.4 for 006). Clock and randomness are pinned so that the output is fixed:
//   Date.now() = 1700000000000 ms (issue ts 1700000000), Math.random() = 0.5
//   -> 007 salt = floor(0.5 * 99999999) + 1 = 50000000
//   -> 006 salt = floor(0.5 * 0xFFFFFFFF)   = 2147483647, 006 ts = 1700000000 + 86400
// Run: npm install agora-token@2.0.6 agora-access-token@2.0.4 && node token_vectors.js
const FIXED_MS = 1700000000000;
Math.random = () => 0.5;
const RealDate = Date;
global.Date = class extends RealDate {
  constructor(...a) { if (a.length === 0) super(FIXED_MS); else super(...a); }
  static now() { return FIXED_MS; }
};
const { RtmTokenBuilder: Rtm2 } = require('agora-token/src/RtmTokenBuilder2');
const { RtcTokenBuilder: Rtc2, Role: RtcRole } = require('agora-token/src/RtcTokenBuilder2');
const { RtmTokenBuilder: Rtm1, Role } = require('agora-access-token/src/RtmTokenBuilder');

const APP = '970CA35de60c44645bbae8a215061b33';
const CERT = '5CFd2fd1755d40ecb72977518be15d3b';
const out = {
  v007_user_3600: Rtm2.buildToken(APP, CERT, 'test_user_id', 3600),
  v007_alice_86400: Rtm2.buildToken(APP, CERT, 'alice@example.com', 86400),
  v007_user_0: Rtm2.buildToken(APP, CERT, 'test_user_id', 0),
  v007_rtc_rtm: Rtc2.buildTokenWithRtm(APP, CERT, 'room1', 'test_user_id', 1, 600, 600),
  v006_user_1700003600: Rtm1.buildToken(APP, CERT, 'test_user_id', Role.Rtm_User, 1700003600),
  v006_alice_0: Rtm1.buildToken(APP, CERT, 'alice@example.com', Role.Rtm_User, 0),
};
for (const [k, v] of Object.entries(out)) console.log(k + ' ' + v);
