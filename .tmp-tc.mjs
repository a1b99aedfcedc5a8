import { CookieJar, Cookie } from 'tough-cookie';
const jar = new CookieJar();
const c = jar.setCookieSync('a=1; Path=/; OnepoolOrigin=http://127.0.0.1:8080', 'http://127.0.0.1:8080/x');
console.log(c.extensions, c.hostOnly, c.toString(), c.cookieString());
const d = jar.setCookieSync('b=2; Path=/; Domain=localhost; OnepoolScheme=http', 'http://localhost:8080/x');
console.log(d?.extensions, d?.hostOnly);
const j = CookieJar.deserializeSync(JSON.stringify(jar.toJSON()));
console.log(j.getCookiesSync('http://127.0.0.1:9090/').map(c=>[c.key,c.extensions]));
console.log(Cookie.parse('x=1; Domain=example.com; foo')?.domain, Cookie.parse('x=1; Domain=; foo')?.domain);
