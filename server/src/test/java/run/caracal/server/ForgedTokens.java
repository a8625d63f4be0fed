package run.caracal.server;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.Ed25519Signer;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.gen.OctetKeyPairGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * Tokens an attacker (or a clock) could produce: copies of real tokens with edited claims,
 * re-signed with a chosen key and algorithm. Reading a token's parts needs no key.
 */
final class ForgedTokens {
  private ForgedTokens() {}

  static JWSHeader header(String token) {
    try {
      return SignedJWT.parse(token).getHeader();
    } catch (ParseException e) {
      throw new IllegalArgumentException(e);
    }
  }

  static JWTClaimsSet claims(String token) {
    try {
      return SignedJWT.parse(token).getJWTClaimsSet();
    } catch (ParseException e) {
      throw new IllegalArgumentException(e);
    }
  }

  static Map<String, Object> claimMap(String token) {
    return claims(token).toJSONObject();
  }

  /** The claims of {@code token}, edited. */
  static JWTClaimsSet edit(String token, UnaryOperator<JWTClaimsSet.Builder> edit) {
    return edit.apply(new JWTClaimsSet.Builder(claims(token))).build();
  }

  static OctetKeyPair freshEd25519(String kid) {
    try {
      return new OctetKeyPairGenerator(Curve.Ed25519).keyID(kid).generate();
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  static String ed25519(OctetKeyPair key, String typ, String kid, JWTClaimsSet claims) {
    return sign(new JWSHeader.Builder(JWSAlgorithm.EdDSA).type(new JOSEObjectType(typ)).keyID(kid).build(), claims, ed25519Signer(key));
  }

  static String unsecured(String typ, String kid, JWTClaimsSet claims) {
    String header = "{\"alg\":\"none\",\"typ\":\"" + typ + "\",\"kid\":\"" + kid + "\"}";
    return Base64URL.encode(header.getBytes(StandardCharsets.UTF_8)) + "."
        + Base64URL.encode(claims.toString().getBytes(StandardCharsets.UTF_8)) + ".";
  }

  static String hs256(byte[] secret, String typ, String kid, JWTClaimsSet claims) {
    try {
      return sign(new JWSHeader.Builder(JWSAlgorithm.HS256).type(new JOSEObjectType(typ)).keyID(kid).build(), claims, new MACSigner(secret));
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  static String rs256(String typ, String kid, JWTClaimsSet claims) {
    try {
      return sign(new JWSHeader.Builder(JWSAlgorithm.RS256).type(new JOSEObjectType(typ)).keyID(kid).build(), claims,
          new RSASSASigner(new RSAKeyGenerator(2048).keyID(kid).generate()));
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  private static JWSSigner ed25519Signer(OctetKeyPair key) {
    try {
      return new Ed25519Signer(key);
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String sign(JWSHeader header, JWTClaimsSet claims, JWSSigner signer) {
    SignedJWT jwt = new SignedJWT(header, claims);
    try {
      jwt.sign(signer);
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
    return jwt.serialize();
  }
}
