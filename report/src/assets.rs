//! The stylesheet and script inlined into every report, kept apart from the code
//! that writes the page so that each can be read on its own. No web fonts, no
//! external URLs: the page must render the same offline.

pub(crate) const CSS: &str = r#"
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#1d2330;background:#f5f6f8}
main{max-width:1160px;margin:0 auto;padding:0 16px 40px}
header.verdict-header{padding:18px 24px;color:#fff;margin-bottom:16px}
header.valid{background:#2e7d32}header.invalid{background:#c62828}
header.unknown{background:#b26a00}header.unchecked{background:#546e7a}
.verdict{font-size:40px;font-weight:800;letter-spacing:.04em;text-transform:uppercase}
header h1{margin:4px 0 10px;font-size:20px;font-weight:600}
.interrupted-banner{display:inline-block;background:#fff;color:#b71c1c;font-weight:700;padding:3px 10px;border-radius:4px;margin:4px 0}
.culprits a{color:#fff;font-weight:700}
dl.facts{display:grid;grid-template-columns:repeat(4,auto 1fr);gap:4px 12px;margin:8px 0}
dl.facts dt{opacity:.8}dl.facts dd{margin:0;font-weight:600}
pre.command{background:rgba(0,0,0,.25);color:#fff;padding:8px 10px;border-radius:4px;white-space:pre-wrap;word-break:break-all}
nav.toc a{margin-right:14px}
section.block{background:#fff;border:1px solid #dde1e7;border-radius:6px;padding:12px 16px;margin:14px 0;overflow-x:auto}
section.block h2{margin:0 0 8px;font-size:18px}
table{border-collapse:collapse}th,td{padding:3px 10px;border-bottom:1px solid #e4e7ec;text-align:right}
th:first-child,td:first-child{text-align:left}
.badge{font-size:12px;padding:2px 8px;border-radius:10px;color:#fff;vertical-align:middle}
.badge.valid{background:#2e7d32}.badge.invalid{background:#c62828}.badge.unknown{background:#b26a00}.badge.unchecked{background:#546e7a}
section.checker{border-left:4px solid #dde1e7;padding:4px 0 4px 12px;margin:10px 0}
section.checker section.checker{margin-left:8px}
pre.json,pre.explanation{background:#f7f8fa;padding:8px;border-radius:4px;max-height:480px;overflow:auto;font-size:12px}
pre.explanation{white-space:pre-wrap;background:#fff4f4;border:1px solid #f3c5c5}
.checker-error{color:#b26a00;font-weight:600}
.set-elements{margin:4px 0}.set-elements code{word-break:break-all}
figure.checker-svg{margin:8px 0;overflow-x:auto}
.note{color:#5f6b7a;font-style:italic}
#timeline-box{overflow:auto;max-height:600px;border:1px solid #e4e7ec}
#timeline-svg rect.op{cursor:pointer;stroke:#fff;stroke-width:.5}
#timeline-svg rect.ok{fill:#1f77b4}#timeline-svg rect.fail{fill:#d62728}
#timeline-svg rect.info,#timeline-svg rect.open{fill:#ff7f0e}
#timeline-svg rect.op:hover,#timeline-svg rect.selected{stroke:#000;stroke-width:1.5}
#op-detail{min-height:2em}
ul.files{columns:2}
"#;

pub(crate) const JS: &str = r#"
(function(){
  var box=document.getElementById('timeline-svg');
  var out=document.getElementById('op-detail');
  if(!box||!out)return;
  var sel=null;
  box.addEventListener('click',function(e){
    var t=e.target.closest('[data-op]');
    if(!t)return;
    if(sel)sel.classList.remove('selected');
    sel=t;t.classList.add('selected');
    try{out.textContent=JSON.stringify(JSON.parse(t.getAttribute('data-op')),null,2);}
    catch(err){out.textContent=t.getAttribute('data-op');}
  });
})();
"#;
