"""The report's inline style sheet and script: no fonts, images or libraries from anywhere.

The page works without the script: maps, timeline and table are static markup, markers and
bars link to their table row (``:target`` highlights it) and carry native tooltips. The
script only adds filtering by type and severity and two-way selection: a table row lights up
its markers, bars and vessel track and brings the map into view; a marker or a bar lights up
its row.
"""

from __future__ import annotations

from collections.abc import Iterable

from replay.report.data import SEVERITIES, SEVERITY_COLOURS

__all__ = ["SCRIPT", "style_sheet"]

_BASE_CSS = """
:root{--ink:#1d2733;--muted:#5b6878;--line:#d5dde6;--panel:#f6f8fa;--sea:#dfeaf3;
--land:#efe9dc;--coast:#a79d88;--accent:#1f5f99}
*{box-sizing:border-box}
body{margin:0;color:var(--ink);background:#fff;font:14px/1.45 system-ui,-apple-system,
"Segoe UI",Roboto,"DejaVu Sans","Liberation Sans",Arial,sans-serif}
main{max-width:1360px;margin:0 auto;padding:18px 24px 40px}
h1{font-size:22px;margin:0 0 2px}h2{font-size:17px;margin:28px 0 8px;padding-bottom:4px;
border-bottom:2px solid var(--line)}h3{font-size:14px;margin:0 0 4px}
.sub{color:var(--muted);margin:0 0 12px}
nav{font-size:13px;margin:6px 0 0}nav a{color:var(--accent);margin-right:14px}
.top{display:grid;grid-template-columns:auto 1fr;gap:8px 28px;align-items:start;margin:10px 0}
@media (max-width:1000px){.top{grid-template-columns:1fr}}
.cards{display:grid;grid-template-columns:repeat(3,auto);gap:8px}
.card{background:var(--panel);border:1px solid var(--line);border-radius:6px;padding:8px 14px;
min-width:120px}.card b{display:block;font-size:20px}.card span{color:var(--muted);font-size:12px}
.facts{display:grid;grid-template-columns:max-content 1fr;gap:3px 14px;font-size:13px;margin:0}
.facts dt{color:var(--muted)}.facts dd{margin:0}
details summary{cursor:pointer;color:var(--muted)}
.note{background:#fff8e6;border-left:4px solid #f2c14e;padding:6px 10px;margin:8px 0;font-size:13px}
.legend{display:flex;flex-wrap:wrap;gap:4px 16px;align-items:center;font-size:12px;
color:var(--muted);margin:6px 0}
.legend span{display:inline-flex;align-items:center;gap:4px}.legend svg{overflow:visible}
.legend .lg-t{fill:#fff;stroke:var(--ink);stroke-width:1}
svg.map,svg.timeline{display:block;width:100%;height:auto;font-size:11px}
figure{margin:0 0 12px}figcaption{font-size:12px;color:var(--muted);margin-top:2px}
.regions{display:grid;grid-template-columns:repeat(auto-fit,minmax(520px,1fr));gap:14px 18px}
.sea{fill:var(--sea)}.land{fill:var(--land);stroke:var(--coast);stroke-width:.6;
fill-rule:evenodd;stroke-linejoin:round}
.frame{fill:none;stroke:#8795a5;stroke-width:1}
.grat{fill:none;stroke:#fff;stroke-opacity:.75;stroke-width:.7}
.gl text{fill:var(--muted)}
.scale rect{fill:#fff;fill-opacity:.8}.scale path{fill:none;stroke:var(--ink);stroke-width:1.2}
.scale text{fill:var(--ink);font-size:10px}
.z{fill:none;stroke-width:.8}.z-port{stroke:#7d5ba6;fill:#7d5ba6;fill-opacity:.08}
.z-anchorage{stroke:#7d5ba6;stroke-dasharray:2 2}
.z-eez,.z-territorial_sea{stroke:#3c78b5;stroke-dasharray:6 3;stroke-width:1}
.z-restricted,.z-protected,.z-high_risk{stroke:#c0392b;fill:#c0392b;fill-opacity:.08}
.trk{fill:none;stroke:#2f4b6e;stroke-linejoin:round;stroke-linecap:round}
.trk .run{stroke-width:1.1;stroke-opacity:.6}.trk .gap{stroke-width:.9;stroke-opacity:.45;
stroke-dasharray:3 3}.trk.hl .run{stroke:#0b1a2b;stroke-width:2.4;stroke-opacity:.95}
.trk.hl .gap{stroke:#0b1a2b;stroke-opacity:.9}
.dg{fill:none;stroke:#0b1a2b;stroke-width:1.2;stroke-dasharray:5 3;stroke-opacity:.8}
.voy{fill:none;stroke-width:2.2;stroke-opacity:.55;stroke-linecap:round}
.voy:hover{stroke-opacity:.95;stroke-width:3}
.mk use{stroke:#1d2733;stroke-width:.9;cursor:pointer}.mk:hover use{stroke-width:2}
.mk.sel use{stroke:#000;stroke-width:2.6}
.inset rect{fill:none;stroke:#1d2733;stroke-width:1.2;stroke-dasharray:4 2}
.inset .badge{fill:#1d2733;stroke:none}.inset text{fill:#fff;font-size:11px;font-weight:700}
.halo{fill:none;stroke:#000;stroke-width:2;pointer-events:none}
.lb{fill:var(--panel)}.ll{fill:var(--ink);font-size:12px;font-weight:600}
.ll .n{fill:var(--muted);font-weight:400}
.bar rect{stroke:#1d2733;stroke-width:.3;cursor:pointer}.bar.ongoing rect{fill-opacity:.55}
.bar.sel rect{stroke:#000;stroke-width:1.6}
.axis path{stroke:var(--muted)}.axis text{fill:var(--muted)}
.periods .pl{fill:var(--ink);font-weight:600}.periods .bl{fill:var(--muted);font-size:10px}
.periods .brk{fill:#fff;stroke:#b8c3cf;stroke-dasharray:3 3}
table{border-collapse:collapse;font-size:13px}
.counts td,.counts th{border:1px solid var(--line);padding:3px 10px;text-align:right}
.counts th:first-child,.counts td:first-child{text-align:left}.counts .zero{color:#c3ccd6}
#alerts{width:100%}
#alerts th{position:sticky;top:0;background:#eef2f6;text-align:left;padding:6px 6px;
border-bottom:2px solid var(--line);font-size:12px;white-space:nowrap}
#alerts td{padding:4px 6px;border-bottom:1px solid #e8edf2;vertical-align:top}
#alerts td.num{text-align:right;font-variant-numeric:tabular-nums}
#alerts td.when{white-space:nowrap;font-variant-numeric:tabular-nums}
#alerts td.expl{min-width:320px}#alerts code{font-size:11px;color:var(--muted)}
#alerts .unk{color:var(--muted);font-style:italic}#alerts .flag{font-size:11px;font-weight:600;
border:1px solid var(--line);border-radius:3px;padding:0 3px;color:var(--muted)}
#alerts tbody tr:hover{background:#f3f7fb}.js #alerts tbody tr{cursor:pointer}
#alerts tbody tr.sel,#alerts tbody tr:target{background:#fff1c9}
#voyages{width:100%}#voyages th{background:#eef2f6;text-align:left;padding:6px;font-size:12px;
border-bottom:2px solid var(--line);white-space:nowrap}
#voyages td{padding:4px 6px;border-bottom:1px solid #e8edf2;vertical-align:top}
#voyages td.num{text-align:right}#voyages .score{display:inline-block;border-radius:3px;
padding:0 6px;font-size:12px;font-weight:600;color:#fff}
.sev{display:inline-block;border-radius:3px;padding:0 6px;font-size:12px;font-weight:600;
color:#1d2733}.sev.s-critical,.sev.s-high{color:#fff}
.filters{display:flex;flex-wrap:wrap;gap:6px 18px;font-size:13px;margin:8px 0}
.filters label{white-space:nowrap}.nojs .js-only{display:none}
.back{position:fixed;right:18px;bottom:18px;background:var(--ink);color:#fff;
padding:7px 12px;border-radius:5px;font-size:13px;text-decoration:none;
box-shadow:0 2px 6px rgba(0,0,0,.25)}.back[hidden]{display:none}
footer{margin-top:30px;color:var(--muted);font-size:12px;border-top:1px solid var(--line);
padding-top:8px}
@media print{nav,.filters{display:none}#alerts th{position:static}}
"""


def style_sheet(types: Iterable[str]) -> str:
    """The page's CSS: the base, severity colours, and a hiding rule per filterable class."""
    rules = [_BASE_CSS.strip()]
    for severity in SEVERITIES:
        colour = SEVERITY_COLOURS[severity]
        rules.append(
            f".s-{severity} use,.bar.s-{severity} rect,.sw-{severity}{{fill:{colour}}}"
            f".sev.s-{severity}{{background:{colour}}}"
            f".hide-s-{severity} .s-{severity}{{display:none}}"
        )
    for alert_type in sorted(set(types)):
        rules.append(f".hide-t-{alert_type} .t-{alert_type}{{display:none}}")
    return "\n".join(rules)


SCRIPT = r"""
(function(){
"use strict";
var root=document.documentElement;root.className=root.className.replace("nojs","js");
var current=null;
function all(sel,scope){return Array.prototype.slice.call((scope||document).querySelectorAll(sel));}
function clear(){
  all(".sel").forEach(function(e){e.classList.remove("sel");});
  all(".trk.hl").forEach(function(e){e.classList.remove("hl");});
  all(".halo").forEach(function(e){e.parentNode.removeChild(e);});
}
var back=document.getElementById("back");
function select(id){
  clear();current=id;if(back){back.hidden=!id;}if(!id){return null;}
  var row=document.getElementById("a-"+id);var mmsi=row?row.getAttribute("data-mmsi"):null;
  all('[data-id="'+id+'"]').forEach(function(e){
    e.classList.add("sel");
    var use=e.querySelector("use");
    if(use){
      var c=document.createElementNS("http"+"://www.w3.org/2000/svg","circle");
      c.setAttribute("class","halo");c.setAttribute("r","11");
      c.setAttribute("cx",use.getAttribute("x"));c.setAttribute("cy",use.getAttribute("y"));
      e.parentNode.appendChild(c);
    }
  });
  if(mmsi){all('.trk[data-mmsi="'+mmsi+'"]').forEach(function(e){e.classList.add("hl");});}
  return row;
}
function mapOf(id){
  var hit=null;
  all("svg.map").forEach(function(svg){
    if(svg.querySelector('.mk[data-id="'+id+'"]')){if(!hit||svg.id!=="map-overview"){hit=svg;}}
  });
  return hit;
}
var body=document.querySelector("#alerts tbody");
if(body){
  body.addEventListener("click",function(ev){
    var tr=ev.target.closest("tr[data-id]");if(!tr){return;}
    var id=tr.getAttribute("data-id");
    if(current===id){select(null);return;}
    select(id);var svg=mapOf(id);
    if(svg){svg.scrollIntoView({behavior:"smooth",block:"center"});}
  });
  body.addEventListener("keydown",function(ev){
    if(ev.key==="Enter"&&ev.target.matches("tr[data-id]")){ev.target.click();}
  });
}
if(back){back.addEventListener("click",function(ev){
  ev.preventDefault();var row=current&&document.getElementById("a-"+current);
  if(row){row.scrollIntoView({behavior:"smooth",block:"center"});}
});}
all("a.mk,a.bar").forEach(function(a){
  a.addEventListener("click",function(ev){
    ev.preventDefault();var id=a.getAttribute("data-id");var row=select(id);
    if(row){row.scrollIntoView({behavior:"smooth",block:"center"});}
    if(history.replaceState){history.replaceState(null,"","#a-"+id);}
  });
});
all("input[data-hide]").forEach(function(box){
  box.addEventListener("change",function(){
    document.body.classList.toggle(box.getAttribute("data-hide"),!box.checked);
    var shown=all("#alerts tbody tr").filter(function(r){return r.offsetParent!==null;}).length;
    var out=document.getElementById("shown");if(out){out.textContent=String(shown);}
  });
});
root.setAttribute("data-ready","1");
})();
"""
