Attribute VB_Name = "DvcqKiemTra"
' dvcq_xl - nut "Kiem tra" cua Bang cham diem.
' Goi Python qua xlwings (RunPython, phan BSD cua xlwings: module xlwings.bas).
' Python lam het: doc so dang mo, kiem tra nhu "dvcq check", ghi trang "Ket qua kiem tra",
' to mau o loi, hien thong bao. Macro nay khong sua o nao.
Option Explicit

Public Sub KiemTra()
    RunPython "import dvcq_xl.excel as dvcq; dvcq.validate()"
End Sub
