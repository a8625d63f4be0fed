package run.caracal.control.token;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.Ed25519Signer;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.OctetKeyPairGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.nio.charset.StandardCharsets;

/** Builds tokens for the verifier tests, honest and hostile. */
final class TestJwts {
  private TestJwts() {}

  static String ed25519(OctetKeyPair key, JWSHeader header, JWTClaimsSet claims) {
    return sign(new JWSHeader.Builder(header).build(), claims, signer(key));
  }

  static String ed25519(OctetKeyPair key, String typ, String kid, JWTClaimsSet claims) {
    return ed25519(key, header(JWSAlgorithm.EdDSA, typ, kid), claims);
  }

  static JWSHeader header(JWSAlgorithm alg, String typ, String kid) {
    JWSHeader.Builder b = new JWSHeader.Builder(alg);
    if (typ != null) {
      b.type(new JOSEObjectType(typ));
    }
    if (kid != null) {
      b.keyID(kid);
    }
    return b.build();
  }

  static OctetKeyPair freshEd25519(String kid) {
    try {
      return new OctetKeyPairGenerator(Curve.Ed25519).keyID(kid).generate();
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  /** `alg: none`, no signature. */
  static String unsecured(String typ, String kid, JWTClaimsSet claims) {
    String header = "{\"alg\":\"none\",\"typ\":\"" + typ + "\",\"kid\":\"" + kid + "\"}";
    return Base64URL.encode(header.getBytes(StandardCharsets.UTF_8)) + "."
        + Base64URL.encode(claims.toString().getBytes(StandardCharsets.UTF_8)) + ".";
  }

  /** HS256 keyed with the verifier's public key bytes (the classic algorithm confusion). */
  static String hs256WithPublicKey(OctetKeyPair publicKey, String typ, String kid, JWTClaimsSet claims) {
    try {
      byte[] secret = publicKey.getX().decode();
      return sign(header(JWSAlgorithm.HS256, typ, kid), claims, new MACSigner(secret));
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  static String rs256(String typ, String kid, JWTClaimsSet claims) {
    try {
      return sign(header(JWSAlgorithm.RS256, typ, kid), claims, new RSASSASigner(new RSAKeyGenerator(2048).generate()));
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  static String es256(String typ, String kid, JWTClaimsSet claims) {
    try {
      return sign(header(JWSAlgorithm.ES256, typ, kid), claims, new ECDSASigner(new ECKeyGenerator(Curve.P_256).generate()));
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  private static JWSSigner signer(OctetKeyPair key) {
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
